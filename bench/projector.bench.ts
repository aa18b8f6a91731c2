/**
 * @meridian/projector: how fast a projector catches up a backlog, in events/s, with a SQLite store
 * (temp file) and a PostgreSQL store (temp schema, dropped after), beside the raw consume rate of
 * the same topic in the same run (a plain kafkajs consumer that only counts, same fetch settings as
 * the projector's runner) — the ratio is the figure: the share of Kafka read speed the
 * decode + merge + one-transaction-per-batch store commit keeps.
 *
 * The backlog: BENCH_PROJECTOR_EVENTS (default 500,000) Avro profile events (a mix of field changes,
 * credit adjustments, logins and preferences from two origins per aggregate, rising seq) over 5,000
 * aggregates, produced with acks=all into a fresh topic `bench.profile.<unique>` of the us-east broker
 * (its name does not match the projectors' pattern, so the shared projectors ignore it; it is deleted
 * at the end). The engine is driven by the projector runner's own batch loop (`engineBatchLoop`). Each apply phase is capped at
 * BENCH_PROJECTOR_MAX_APPLY_S seconds (default 130) so the whole bench stays near 5 minutes on the
 * 2-core machine: a capped phase reports its rate over what it applied, and says so.
 * Needs the local topology (`npm start`) and PostgreSQL (MERIDIAN_BENCH_PG_URL overrides the address).
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Kafka,
  logLevel,
  type Admin,
  type Consumer,
  type EachBatchHandler,
  type KafkaMessage,
  type Message,
} from 'kafkajs';
import { Client } from 'pg';
import { ConfluentSchemaRegistry, EventSerde } from '@meridian/contract';
import { PROFILE, profileModel } from '@meridian/domain';
import { type Document, HybridLogicalClock, readDocument } from '@meridian/merge';
import { type BatchObserver, engineBatchLoop, ProjectionEngine, type Poison } from '@meridian/projector';
import { createProjectionStore, type ProjectionStore, type StoreConfig } from '@meridian/store';
import {
  AGGREGATES,
  backlogEvent,
  backlogWallBase,
  backlogWriters,
  positiveInt,
  type AggregateWriters,
} from './backlog';
import type { BenchLine, BenchReport } from './run';
import { LOCAL_REGIONS, LOCAL_REGISTRIES } from '@meridian/testing';

const BROKERS = [process.env.MERIDIAN_BENCH_BROKERS ?? LOCAL_REGIONS['us-east']];
const REGISTRY_URL = process.env.MERIDIAN_BENCH_REGISTRY_URL ?? LOCAL_REGISTRIES['us-east'];
const PG_URL = process.env.MERIDIAN_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const EVENTS = positiveInt('BENCH_PROJECTOR_EVENTS', 500_000);
const MAX_APPLY_MS = positiveInt('BENCH_PROJECTOR_MAX_APPLY_S', 130) * 1000;
const PARTITIONS = 3;
const REGION = 'us-east';
/** What the projector's runner uses (libs/projector/src/kafka.ts). */
// As the projector fetches (libs/projector/src/kafka.ts).
const FETCH = { maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 50 } as const;
const PRODUCE_CHUNK = 5_000;
const PRODUCE_IN_FLIGHT = 4;

/** Produces `events` encoded profile events over AGGREGATES aggregates (also used by the replay bench). */
export async function produceBacklog(
  kafka: Kafka,
  topic: string,
  serde: EventSerde,
  events = EVENTS,
  /** Extra headers per record (the tracing bench: a `traceparent`). */
  extraHeaders?: (i: number) => Record<string, string>,
): Promise<{ rate: number; aggs: AggregateWriters[] }> {
  const run = topic.slice(-8);
  const aggs = backlogWriters(run);
  const wallBase = backlogWallBase(events);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const t0 = performance.now();
  try {
    let next = 0;
    const sendChunks = async (): Promise<void> => {
      while (next < events) {
        const from = next;
        const to = Math.min(events, from + PRODUCE_CHUNK);
        next = to;
        const messages: Message[] = [];
        for (let i = from; i < to; i++) {
          const e = await serde.encode(backlogEvent(i, run, aggs, wallBase));
          messages.push({
            key: e.key,
            value: e.value,
            headers: extraHeaders ? { ...e.headers, ...extraHeaders(i) } : e.headers,
          });
        }
        await producer.send({ topic, acks: -1, messages });
      }
    };
    await Promise.all(Array.from({ length: PRODUCE_IN_FLIGHT }, sendChunks));
  } finally {
    await producer.disconnect();
  }
  return { rate: (events / (performance.now() - t0)) * 1000, aggs };
}

interface Phase {
  events: number;
  ms: number;
  capped: boolean;
  /** This process's event-loop delay over the phase (what a read API in it would wait), ms. */
  loop: { p99Ms: number; maxMs: number };
}

/**
 * Consumes `topic` from the beginning in a fresh group, handing each batch to `handle` (which
 * returns how many events it accounted for), until all EVENTS are accounted for or `capMs` passes.
 * Time runs from the first batch (group join excluded).
 */
export async function consumePhase(
  kafka: Kafka,
  topic: string,
  handle: (partition: number, messages: readonly KafkaMessage[]) => Promise<number>,
  capMs: number,
  expected = EVENTS,
): Promise<Phase> {
  return timedConsume(
    kafka,
    topic,
    (_consumer, count) =>
      async ({ batch, resolveOffset, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        count(await handle(batch.partition, batch.messages));
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
      },
    capMs,
    expected,
  );
}

/**
 * Runs `handler(consumer, count)` as a fresh group's eachBatch over `topic` from the beginning
 * until `count` has been told of `expected` events or `capMs` passes. Time runs from the first
 * batch handed over (group join excluded) to the last count.
 */
async function timedConsume(
  kafka: Kafka,
  topic: string,
  handler: (consumer: Consumer, count: (n: number) => void) => EachBatchHandler,
  capMs: number,
  expected = EVENTS,
): Promise<Phase> {
  const consumer = kafka.consumer({
    groupId: `bench-projector-${randomUUID()}`,
    ...FETCH,
    allowAutoTopicCreation: false,
  });
  let events = 0;
  let firstAt: number | undefined;
  let lastAt = 0;
  let failure: unknown;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const inner = handler(consumer, (n) => {
    events += n;
    lastAt = performance.now();
    if (events >= expected) done();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        if (events >= expected) return;
        if (firstAt === undefined) {
          firstAt = performance.now();
          delay.enable();
        }
        try {
          await inner(payload);
        } catch (e) {
          failure = e;
          done();
        }
      },
    });
    const cap = new Promise<'cap'>((r) => setTimeout(() => r('cap'), capMs).unref());
    const outcome = await Promise.race([finished.then(() => 'done' as const), cap]);
    if (failure !== undefined) throw failure;
    delay.disable();
    if (firstAt === undefined) throw new Error(`no batch of ${topic} within ${capMs} ms`);
    return {
      events,
      ms: lastAt - firstAt,
      capped: outcome === 'cap' && events < expected,
      loop: { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 },
    };
  } finally {
    delay.disable();
    await consumer.disconnect();
  }
}

class CountingSink {
  poison: Poison[] = [];
  async send(p: readonly Poison[]): Promise<void> {
    this.poison.push(...p);
  }
}

export async function applyPhase(
  kafka: Kafka,
  topic: string,
  config: StoreConfig,
  expected: readonly AggregateWriters[],
  /** The tracing bench: its own backlog size, and the batch observer under test. */
  o: { events?: number; observe?: BatchObserver } = {},
): Promise<Phase & { digest: string; applied: number; deadLettered: number }> {
  const store: ProjectionStore = createProjectionStore(config);
  const sink = new CountingSink();
  const engine = new ProjectionEngine({
    region: REGION,
    store,
    serde: new EventSerde({ registry: new ConfluentSchemaRegistry({ url: REGISTRY_URL }) }),
    models: [profileModel],
    deadLetter: sink,
    clock: new HybridLogicalClock({ nodeId: `${REGION}.bench-projector`, maxForwardSkewMs: 60_000 }),
  });
  try {
    await engine.start();
    // Driven exactly as the projector's runner drives it: its one batch loop.
    const phase = await timedConsume(
      kafka,
      topic,
      (consumer, count) =>
        engineBatchLoop(consumer, {
          engine,
          ...(o.observe ? { observe: o.observe } : {}),
          onBatch: ({ out }) => count(out.applied + out.duplicates + out.deadLettered + out.skipped),
        }),
      MAX_APPLY_MS,
      o.events ?? EVENTS,
    );
    if (!phase.capped) {
      // The backlog is what a writer would send: every credit counted once, per origin running totals.
      for (const a of [expected[0], expected[expected.length - 1]] as AggregateWriters[]) {
        const stored = await store.getDocument(PROFILE, a.id);
        const credit = stored ? readDocument(stored.state as Document).credit?.counter : undefined;
        const want = a.origins.reduce((sum, o) => sum + o.credit, 0);
        if (credit !== want) throw new Error(`${a.id}: credit ${credit}, expected ${want}`);
      }
    }
    const stats = await store.stats();
    const { digest } = await store.stateDigest();
    return { ...phase, digest, applied: stats.applied, deadLettered: sink.poison.length };
  } finally {
    await store.close();
  }
}

async function pgReachable(): Promise<string | undefined> {
  const c = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function dropSchema(schema: string): Promise<void> {
  const c = new Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

export const rate = (p: Pick<Phase, 'events' | 'ms'>): number => (p.events / p.ms) * 1000;

export default async function (): Promise<BenchReport> {
  const kafka = new Kafka({ clientId: 'bench-projector', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin: Admin = kafka.admin();
  await admin.connect();
  const topic = `bench.profile.${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-projector-'));
  const schema = `bench_projector_${randomUUID().slice(0, 8)}`;
  const lines: BenchLine[] = [];
  const t0 = performance.now();
  const log = (msg: string) =>
    console.log(`  [projector +${((performance.now() - t0) / 1000).toFixed(0)} s] ${msg}`);
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: REGISTRY_URL }) });
    const { rate: produceRate, aggs } = await produceBacklog(kafka, topic, serde);
    log(
      `produced ${EVENTS.toLocaleString('en-US')} events into ${topic} at ${Math.round(produceRate)} events/s`,
    );

    const raw = await consumePhase(kafka, topic, async (_p, messages) => messages.length, MAX_APPLY_MS);
    const rawRate = rate(raw);
    log(`raw consume: ${raw.events} events in ${Math.round(raw.ms)} ms`);
    const baseline = { name: 'raw kafkajs consume (count only)', value: rawRate, unit: 'events/s' };
    lines.push({ name: 'produce backlog (encode + acks=all)', value: produceRate, unit: 'events/s' });
    lines.push({ name: 'raw consume', value: rawRate, unit: 'events/s', note: `${raw.events} events` });

    const describe = (p: Phase & { applied: number; deadLettered: number }): string =>
      `${(rate(p) / rawRate).toFixed(3)}× raw; ${p.events.toLocaleString('en-US')} events in ${(p.ms / 1000).toFixed(1)} s` +
      (p.capped ? `, CAPPED at ${MAX_APPLY_MS / 1000} s before the end of the backlog` : '') +
      `; applied ${p.applied}, dead-lettered ${p.deadLettered}`;

    const sqlite = await applyPhase(kafka, topic, { kind: 'sqlite', file: join(dir, 'state.sqlite') }, aggs);
    log(`SQLite apply: ${describe(sqlite)}`);
    lines.push({
      name: 'SQLite apply',
      value: rate(sqlite),
      unit: 'events/s',
      baseline,
      note: describe(sqlite),
    });

    lines.push({
      name: 'event-loop delay during the SQLite catch-up (max)',
      value: sqlite.loop.maxMs,
      unit: 'ms',
      baseline: { name: 'during the raw consume (max)', value: raw.loop.maxMs, unit: 'ms' },
      note: `p99 ${sqlite.loop.p99Ms.toFixed(1)} ms (raw consume p99 ${raw.loop.p99Ms.toFixed(1)} ms); target: no stall over 50 ms`,
    });

    const pgDown = await pgReachable();
    let pgDigest: string | undefined;
    if (pgDown) {
      lines.push({ name: 'PostgreSQL apply', value: 0, unit: 'events/s', note: `skipped: ${pgDown}` });
    } else {
      const pg = await applyPhase(
        kafka,
        topic,
        {
          kind: 'postgres',
          connectionString: PG_URL,
          schema,
        },
        aggs,
      );
      pgDigest = pg.digest;
      log(`PostgreSQL apply: ${describe(pg)}`);
      lines.push({
        name: 'PostgreSQL apply',
        value: rate(pg),
        unit: 'events/s',
        baseline,
        note: describe(pg),
      });
      if (!sqlite.capped && !pg.capped && pg.digest !== sqlite.digest)
        throw new Error(`SQLite and PostgreSQL disagree on the state: ${sqlite.digest} vs ${pg.digest}`);
    }
    if (pgDigest !== undefined && !sqlite.capped)
      log(
        `state digest ${sqlite.digest.slice(0, 16)}… (SQLite${pgDigest === sqlite.digest ? ' = PostgreSQL' : ''})`,
      );
    log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return {
      bench: `projector catch-up (${EVENTS.toLocaleString('en-US')} events, ${AGGREGATES} aggregates, ${PARTITIONS} partitions)`,
      lines,
    };
  } finally {
    await admin
      .deleteTopics({ topics: [topic] })
      .catch((e: unknown) => console.error(`delete ${topic}: ${(e as Error).message}`));
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema).catch(() => undefined);
  }
}
