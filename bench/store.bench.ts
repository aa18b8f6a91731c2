/**
 * @meridian/store: commit throughput of the projector's state store, in documents/s, for batches of
 * 500 realistic (~2 KB) merge documents with their positions and counters, in SQLite (temp file) and
 * PostgreSQL (temp schema, dropped after). Each figure is printed beside a baseline from the same
 * run: a raw multi-row INSERT of the same rows into a bare table in the same database (no upsert,
 * no positions, no validation or canonical encoding), and the CPU cost of encoding and hashing alone.
 * PostgreSQL is skipped with a note if unreachable (MERIDIAN_BENCH_PG_URL overrides the address).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import {
  applyOp,
  canonicalEncode,
  digest,
  documentEmpty,
  HybridLogicalClock,
  prepareCounterAdd,
  prepareLwwSet,
  prepareSetAdd,
  type Document,
  type Mutation,
} from '@meridian/merge';
import {
  PostgresProjectionStore,
  SqliteProjectionStore,
  type PositionAdvance,
  type ProjectionStore,
  type StoredDocument,
} from '@meridian/store';
import type { BenchLine, BenchReport } from './run';

const BATCH = 500;
const BATCHES = 21;
const SMALL_BATCH = 5;
const SMALL_COMMITS = 301;
const PG_URL = process.env.MERIDIAN_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A profile aggregate after a few dozen events from two regions: LWW fields, a counter, a set. */
function profileDocument(i: number, version: number): Document {
  let wallMs = 1_700_000_000_000 + i;
  const clocks = ['us-east', 'us-west'].map((nodeId) => ({
    nodeId,
    seq: 0,
    clock: new HybridLogicalClock({ nodeId, wallClockMs: () => wallMs }),
  }));
  let doc = documentEmpty();
  for (let e = 0; e < 24; e++) {
    wallMs += 1;
    const w = clocks[e % 2] as (typeof clocks)[number];
    let m: Mutation;
    if (e < 14) m = prepareLwwSet(doc, `field${e}`, `value ${i}.${version}.${e} ${'lorem ipsum '.repeat(2)}`);
    else if (e < 18) m = prepareCounterAdd(doc, 'logins', w.nodeId, 1 + version);
    else m = prepareSetAdd(doc, 'tags', `tag-${(i + e) % 40}`);
    w.seq += 1;
    doc = applyOp(doc, {
      eventId: `${w.nodeId}/${w.seq}`,
      origin: w.nodeId,
      seq: w.seq,
      hlc: w.clock.now(),
      ...m,
    });
  }
  return doc;
}

interface Workload {
  batches: StoredDocument[][];
  bytesPerDocument: number;
}

/** `BATCHES` batches of `BATCH` documents, ids `agg-<n>`; `version` changes every state. */
function workload(version: number): Workload {
  const batches: StoredDocument[][] = [];
  let bytes = 0;
  for (let b = 0; b < BATCHES; b++) {
    const docs: StoredDocument[] = [];
    for (let k = 0; k < BATCH; k++) {
      const i = b * BATCH + k;
      const state = profileDocument(i, version);
      bytes += canonicalEncode(state).length;
      docs.push({
        aggregateType: 'profile',
        aggregateId: `agg-${i}`,
        state,
        digest: digest(state),
        updatedAtMs: Date.now(),
      });
    }
    batches.push(docs);
  }
  return { batches, bytesPerDocument: Math.round(bytes / (BATCHES * BATCH)) };
}

function positions(b: number): PositionAdvance[] {
  return [0, 1, 2].map((partition) => ({
    topic: 'us-west.meridian.profile',
    partition,
    nextOffset: String((b + 1) * 1_000 + partition),
    sourceRegion: 'us-west',
    appliedAtMs: Date.now(),
  }));
}

/**
 * Documents per second, one `fn` call per batch of `w`: BATCH / the median batch time, so a noisy
 * neighbour stalling a few batches does not decide the figure.
 */
async function docsPerSecond(
  w: Workload,
  fn: (docs: StoredDocument[], b: number) => Promise<void> | void,
): Promise<number> {
  const times: number[] = [];
  for (let b = 0; b < w.batches.length; b++) {
    const t0 = process.hrtime.bigint();
    await fn(w.batches[b] as StoredDocument[], b);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((x, y) => x - y);
  return BATCH / (times[Math.floor(times.length / 2)] as number);
}

async function storeLines(
  label: string,
  store: ProjectionStore,
  inserts: Workload,
  updates: Workload,
  raw: (docs: StoredDocument[]) => Promise<void> | void,
): Promise<BenchLine[]> {
  await store.init();
  const insertRate = await docsPerSecond(inserts, (docs, b) =>
    store.commit({ documents: docs, positions: positions(b), counters: { applied: docs.length } }),
  );
  const updateRate = await docsPerSecond(updates, (docs, b) =>
    store.commit({ documents: docs, positions: positions(BATCHES + b), counters: { applied: docs.length } }),
  );
  const rawRate = await docsPerSecond(inserts, raw);
  const baseline = {
    name: 'raw INSERT of the same rows, same transaction size',
    value: rawRate,
    unit: 'docs/s',
  };
  return [
    { name: `${label} commit, new aggregates`, value: insertRate, unit: 'docs/s', baseline },
    { name: `${label} commit, updated aggregates`, value: updateRate, unit: 'docs/s', baseline },
  ];
}

async function sqliteLines(inserts: Workload, updates: Workload): Promise<BenchLine[]> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-store-bench-'));
  try {
    const lines: BenchLine[] = [];
    for (const synchronous of ['full', 'normal'] as const) {
      const file = join(dir, `${synchronous}.db`);
      const store = new SqliteProjectionStore({ kind: 'sqlite', file, synchronous });
      const raw = new Database(join(dir, `raw-${synchronous}.db`));
      raw.pragma('journal_mode = WAL');
      raw.pragma(`synchronous = ${synchronous}`);
      raw.exec(
        'CREATE TABLE t (aggregate_type TEXT, aggregate_id TEXT, digest TEXT, updated_at_ms INTEGER, state TEXT)',
      );
      const insert = raw.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?)');
      const rawBatch = raw.transaction((docs: StoredDocument[]) => {
        for (const d of docs)
          insert.run(d.aggregateType, d.aggregateId, d.digest, d.updatedAtMs, JSON.stringify(d.state));
      });
      try {
        lines.push(
          ...(await storeLines(
            `sqlite synchronous=${synchronous.toUpperCase()}`,
            store,
            inserts,
            updates,
            (docs) => {
              rawBatch.immediate(docs);
            },
          )),
        );
      } finally {
        await store.close();
        raw.close();
      }
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresLines(inserts: Workload, updates: Workload): Promise<BenchLine[]> {
  const admin = new Pool({ connectionString: PG_URL, max: 1, connectionTimeoutMillis: 2_000 });
  admin.on('error', () => undefined);
  try {
    await admin.query('SELECT 1');
  } catch (e) {
    await admin.end();
    console.log(`  (postgres skipped: ${PG_URL} unreachable: ${e instanceof Error ? e.message : String(e)})`);
    return [];
  }
  const schema = `meridian_bench_${randomUUID().slice(0, 8)}`;
  const store = new PostgresProjectionStore({ kind: 'postgres', connectionString: PG_URL, schema });
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(
      `CREATE TABLE "${schema}".raw (aggregate_type text, aggregate_id text, digest text, updated_at_ms bigint, state text)`,
    );
    // One multi-row INSERT of the same rows, minus upsert, writer check, positions and counters.
    const table = `"${schema}".raw`;
    const rawInsert = async (docs: StoredDocument[]): Promise<void> => {
      const values: unknown[] = [];
      const rows = docs.map((d, k) => {
        values.push(d.aggregateType, d.aggregateId, d.digest, d.updatedAtMs, JSON.stringify(d.state));
        return `($${k * 5 + 1}, $${k * 5 + 2}, $${k * 5 + 3}, $${k * 5 + 4}, $${k * 5 + 5})`;
      });
      await admin.query(`INSERT INTO ${table} VALUES ${rows.join(', ')}`, values);
    };
    const lines = await storeLines('postgres', store, inserts, updates, rawInsert);
    // The live tail: small batches, where a commit's cost is its round trips.
    const small = (inserts.batches[0] as StoredDocument[]).slice(0, SMALL_BATCH);
    const commitTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let b = 0; b < SMALL_COMMITS; b++) {
      let t0 = process.hrtime.bigint();
      await store.commit({
        documents: small,
        positions: positions(3 * BATCHES + b),
        counters: { applied: 5 },
      });
      commitTimes.push(Number(process.hrtime.bigint() - t0) / 1e9);
      t0 = process.hrtime.bigint();
      await rawInsert(small);
      rawTimes.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    const median = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
    lines.push({
      name: `postgres commit of ${SMALL_BATCH} documents with positions and counters (live tail)`,
      value: 1 / median(commitTimes),
      unit: 'commits/s',
      baseline: {
        name: `one autocommit INSERT of the same ${SMALL_BATCH} rows (one round trip)`,
        value: 1 / median(rawTimes),
        unit: 'inserts/s',
      },
      note: `median of ${SMALL_COMMITS}, interleaved`,
    });
    return lines;
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

export default async function (): Promise<BenchReport> {
  const inserts = workload(0);
  const updates = workload(1);
  // The CPU floor inside every commit: canonical encoding plus the digest check.
  const encodeRate = await docsPerSecond(inserts, (docs) => {
    for (const d of docs) digest(d.state);
  });
  const stringifyRate = await docsPerSecond(inserts, (docs) => {
    for (const d of docs) JSON.stringify(d.state);
  });
  const lines: BenchLine[] = [
    {
      name: 'canonical encode + SHA-256 per document',
      value: encodeRate,
      unit: 'docs/s',
      baseline: { name: 'JSON.stringify', value: stringifyRate, unit: 'docs/s' },
      note: `~${inserts.bytesPerDocument} bytes/document`,
    },
    ...(await sqliteLines(inserts, updates)),
    ...(await postgresLines(inserts, updates)),
  ];
  return { bench: `store (batches of ${BATCH} documents; median of ${BATCHES} batches per figure)`, lines };
}
