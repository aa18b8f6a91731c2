/**
 * Replay rate of a history of BENCH_REPLAY_EVENTS (default 1,000,000) events into SQLite and into
 * PostgreSQL through `replay()` (decode, merge, one store transaction per fetched batch), beside the
 * raw consume rate of the same topic (a kafkajs consumer that only counts) in the same run.
 * The history goes to its own topic in us-east (not mirrored, not projected) and is deleted after.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { ConfluentSchemaRegistry, EventSerde } from '@meridian/contract';
import { replay } from '@meridian/replay';
import { consumePhase, produceBacklog } from './projector.bench';
import type { BenchReport } from './run';
import { LOCAL_REGIONS, LOCAL_REGISTRIES } from '@meridian/testing';

const BROKER = LOCAL_REGIONS['us-east'];
const REGISTRY = LOCAL_REGISTRIES['us-east'];
const PG = 'postgres://postgres@127.0.0.1:5432/test';
const EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 1_000_000);

export default async function replayBench(): Promise<BenchReport> {
  const kafka = new Kafka({ clientId: 'bench-replay', brokers: [BROKER], logLevel: logLevel.NOTHING });
  const topic = `bench.replay.${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const schema = `bench_replay_${randomUUID().slice(0, 8)}`;
  try {
    const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: REGISTRY }) });
    const produced = await produceBacklog(kafka, topic, serde, EVENTS);
    console.log(`  [replay] produced ${EVENTS} events at ${Math.round(produced.rate)}/s`);
    const raw = await consumePhase(kafka, topic, async (_p, m) => m.length, 600_000, EVENTS);
    const rawRate = (raw.events / raw.ms) * 1000;
    const common = {
      region: 'us-east',
      brokers: [BROKER],
      registryUrl: REGISTRY,
      topics: new RegExp(`^${topic.replace(/\./g, '\\.')}$`),
    };
    const sqlite = await replay({ ...common, store: { kind: 'sqlite', file: join(dir, 'replay.db') } });
    console.log(`  [replay] SQLite: ${sqlite.read} events at ${Math.round(sqlite.eventsPerSecond)}/s`);
    const pg = await replay({ ...common, store: { kind: 'postgres', connectionString: PG, schema } });
    console.log(`  [replay] PostgreSQL: ${pg.read} events at ${Math.round(pg.eventsPerSecond)}/s`);
    const same = sqlite.digest.digest === pg.digest.digest ? 'SQLite = PostgreSQL digest' : 'DIGESTS DIFFER';
    return {
      bench: `replay of ${EVENTS.toLocaleString('en-US')} events (5,000 aggregates, 3 partitions)`,
      lines: [
        { name: 'raw consume (count only)', value: rawRate, unit: 'events/s' },
        {
          name: 'replay into SQLite',
          value: sqlite.eventsPerSecond,
          unit: 'events/s',
          baseline: { name: 'raw consume', value: rawRate, unit: 'events/s' },
          note: `${(sqlite.eventsPerSecond / rawRate).toFixed(3)}× raw, ${(sqlite.elapsedMs / 1000).toFixed(0)} s`,
        },
        {
          name: 'replay into PostgreSQL',
          value: pg.eventsPerSecond,
          unit: 'events/s',
          baseline: { name: 'raw consume', value: rawRate, unit: 'events/s' },
          note: `${(pg.eventsPerSecond / rawRate).toFixed(3)}× raw, ${(pg.elapsedMs / 1000).toFixed(0)} s; ${same}`,
        },
      ],
    };
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
    const c = new Client({ connectionString: PG });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
}
