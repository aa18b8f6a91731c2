/**
 * @meridian/projector offline: the engine alone, no Kafka. The same backlog the projector bench
 * produces (BENCH_ENGINE_EVENTS, default 500,000 events over 5,000 aggregates and 3 partitions) is
 * encoded once into records shaped as kafkajs hands them over (Buffer headers, string offsets and
 * timestamps), cut into ~4 MiB batches per partition (the runner's fetch size), and folded by
 * `ProjectionEngine.applyBatch` into SQLite (temp file) and PostgreSQL (temp schema) — beside the
 * rate of decoding the same records alone, in the same run. What it isolates: the engine's and the
 * store's share of a catch-up, without the broker's. `node --cpu-prof dist/bench/run.js engine`
 * profiles it; BENCH_ENGINE_DOCUMENT_CACHE sets the stores' `documentCacheSize` (0: none) to see its
 * share. Needs PostgreSQL for its second figure (MERIDIAN_BENCH_PG_URL), nothing else.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EventSerde, InMemorySchemaRegistry } from '@meridian/contract';
import { profileModel, profileReferenceModel, type AggregateModel } from '@meridian/domain';
import { ProjectionEngine, type Poison, type RawRecord } from '@meridian/projector';
import { createProjectionStore, type StoreConfig } from '@meridian/store';
import { AGGREGATES, backlogEvent, backlogWallBase, backlogWriters, positiveInt } from './backlog';
import type { BenchLine, BenchReport } from './run';

const EVENTS = positiveInt('BENCH_ENGINE_EVENTS', 500_000);
const PG_URL = process.env.MERIDIAN_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PARTITIONS = 3;
const BATCH_BYTES = 4 * 1024 * 1024;
const TOPIC = 'meridian.profile.events';
const CACHE =
  process.env.BENCH_ENGINE_DOCUMENT_CACHE === undefined
    ? {}
    : { documentCacheSize: Number(process.env.BENCH_ENGINE_DOCUMENT_CACHE) };

interface Batch {
  partition: number;
  records: RawRecord[];
}

/** The backlog as fetched batches, interleaved across partitions as kafkajs delivers them. */
export async function encodeBacklog(serde: EventSerde): Promise<Batch[]> {
  const run = randomUUID().slice(0, 8);
  const aggs = backlogWriters(run);
  const wallBase = backlogWallBase(EVENTS);
  const perPartition: RawRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; i < EVENTS; i++) {
    const event = backlogEvent(i, run, aggs, wallBase);
    const e = await serde.encode(event);
    const partition = (i % AGGREGATES) % PARTITIONS;
    const list = perPartition[partition]!;
    const headers: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(e.headers)) headers[k] = Buffer.from(v);
    list.push({
      offset: String(list.length),
      key: Buffer.from(e.key),
      value: e.value,
      headers,
      timestamp: String(event.envelope.hlc.wallMs),
    });
  }
  const cut = perPartition.map((records, partition) => {
    const batches: Batch[] = [];
    let current: RawRecord[] = [];
    let bytes = 0;
    for (const r of records) {
      current.push(r);
      bytes += r.value!.length + 100;
      if (bytes >= BATCH_BYTES) {
        batches.push({ partition, records: current });
        current = [];
        bytes = 0;
      }
    }
    if (current.length > 0) batches.push({ partition, records: current });
    return batches;
  });
  const out: Batch[] = [];
  for (let round = 0; cut.some((b) => round < b.length); round++)
    for (const b of cut) if (round < b.length) out.push(b[round]!);
  return out;
}

async function decodeOnly(serde: EventSerde, batches: readonly Batch[]): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for (const b of batches)
    for (const r of b.records) {
      await serde.decode(r.value, r.headers, { topic: TOPIC });
      n++;
    }
  return (n / (performance.now() - t0)) * 1000;
}

export async function fold(
  serde: EventSerde,
  batches: readonly Batch[],
  config: StoreConfig,
  model: AggregateModel = profileModel,
): Promise<{ rate: number; digest: string; deadLettered: number }> {
  const dead = { poison: [] as Poison[], send: async (p: readonly Poison[]) => void dead.poison.push(...p) };
  const store = createProjectionStore(config);
  const engine = new ProjectionEngine({
    region: 'us-east',
    store,
    serde,
    models: [model],
    deadLetter: dead,
  });
  try {
    await engine.start();
    const t0 = performance.now();
    let n = 0;
    for (const b of batches) {
      const out = await engine.applyBatch(TOPIC, b.partition, b.records);
      n += out.applied + out.duplicates + out.deadLettered;
    }
    const rate = (n / (performance.now() - t0)) * 1000;
    if (n !== EVENTS) throw new Error(`accounted for ${n} of ${EVENTS} events`);
    return { rate, digest: (await store.stateDigest()).digest, deadLettered: dead.poison.length };
  } finally {
    await store.close();
  }
}

export default async function (): Promise<BenchReport> {
  const serde = new EventSerde({ registry: new InMemorySchemaRegistry(), autoRegister: true });
  const batches = await encodeBacklog(serde);
  const decodeRate = await decodeOnly(serde, batches);
  const baseline = { name: 'decode alone (avsc, same records)', value: decodeRate, unit: 'events/s' };
  const lines: BenchLine[] = [{ name: 'decode alone', value: decodeRate, unit: 'events/s' }];
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-engine-'));
  const schema = `bench_engine_${randomUUID().slice(0, 8)}`;
  try {
    const sqlite = await fold(serde, batches, { kind: 'sqlite', file: join(dir, 'state.sqlite'), ...CACHE });
    lines.push({
      name: 'engine → SQLite',
      value: sqlite.rate,
      unit: 'events/s',
      baseline,
      note: `${(sqlite.rate / decodeRate).toFixed(3)}× decode; digest ${sqlite.digest.slice(0, 12)}…`,
    });
    // Before/after of the profile model becoming a declared one, both warm (the first fold above
    // also warms the process): the hand-written mapping, then the declared model again.
    const hand = await fold(
      serde,
      batches,
      { kind: 'sqlite', file: join(dir, 'hand.sqlite'), ...CACHE },
      profileReferenceModel,
    );
    const declared = await fold(serde, batches, {
      kind: 'sqlite',
      file: join(dir, 'declared.sqlite'),
      ...CACHE,
    });
    lines.push({
      name: 'engine → SQLite, declared profile model (defineAggregate), warm',
      value: declared.rate,
      unit: 'events/s',
      baseline: { name: 'the hand-written mapping it replaced, warm', value: hand.rate, unit: 'events/s' },
      note: `${(declared.rate / hand.rate).toFixed(3)}× the hand-written; digest ${hand.digest === declared.digest ? '= hand-written' : 'DIFFERS'}`,
    });
    if (hand.digest !== declared.digest || declared.digest !== sqlite.digest)
      throw new Error(
        `the declared and hand-written profile models disagree: ${declared.digest} vs ${hand.digest}`,
      );
    const pg = await fold(serde, batches, { kind: 'postgres', connectionString: PG_URL, schema, ...CACHE });
    lines.push({
      name: 'engine → PostgreSQL',
      value: pg.rate,
      unit: 'events/s',
      baseline,
      note: `${(pg.rate / decodeRate).toFixed(3)}× decode; digest ${pg.digest === sqlite.digest ? '= SQLite' : 'DIFFERS'}`,
    });
    if (pg.digest !== sqlite.digest)
      throw new Error(`SQLite and PostgreSQL disagree: ${sqlite.digest} vs ${pg.digest}`);
    return {
      bench: `engine offline (${EVENTS.toLocaleString('en-US')} events, ${AGGREGATES} aggregates, ${batches.length} batches)`,
      lines,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const c = new Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => c.end());
  }
}
