import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ConfluentSchemaRegistry, EventSerde, type MeridianEvent } from '@meridian/contract';
import { loadModels, type ModelSet } from '@meridian/domain';
import { sourceTopicPattern } from '@meridian/topology';
import {
  DEFAULT_MAX_FORWARD_SKEW_MS,
  engineBatchLoop,
  type Poison,
  ProjectionEngine,
} from '@meridian/projector';
import {
  createProjectionStore,
  StoreLockedError,
  type ProjectionStore,
  type StateDigest,
  type StoreConfig,
} from '@meridian/store';
import { ReplayError } from './errors';
import { AvroContainerExport, NdjsonExport } from './exports';

export type ReplayStart =
  | { kind: 'beginning' }
  | { kind: 'timestamp'; ms: number }
  | { kind: 'offsets'; offsets: Record<string, string> };

export interface ReplayProgress {
  read: number;
  total: number;
  applied: number;
  skipped: number;
  deadLettered: number;
  elapsedMs: number;
}

export interface ReplayOptions {
  /** The region whose cluster is read (its own topics and every mirrored one). */
  region: string;
  brokers: string[];
  registryUrl: string;
  /** A fresh store: the live projector's only with `inPlace`. */
  store: StoreConfig;
  from?: ReplayStart;
  /** State as of this moment: events whose HLC wall time is later are left out. */
  untilMs?: number;
  aggregateTypes?: readonly string[];
  aggregateIds?: readonly string[];
  /**
   * Rebuild the live projector's own store. Refused while that projector holds the store's writer
   * lock, and for the whole rebuild the projector cannot open it; the URL names it in the error.
   */
  inPlace?: { liveProjectorUrl: string };
  /** Undecodable or rejected events: counted and written here (one JSON line each). */
  reportFile?: string;
  /** Stop at the first undecodable or rejected event. */
  strict?: boolean;
  exportNdjson?: string;
  exportAvroDir?: string;
  onProgress?: (p: ReplayProgress) => void;
  /** The aggregate models to fold with (the live projectors' MODELS); default the built-in profile. */
  models?: ModelSet;
  /** The projectors' MAX_FORWARD_SKEW_MS (default the same default): the same records are refused. */
  maxForwardSkewMs?: number;
  /** Which topics hold the history; default every local and mirrored aggregate topic of the region. */
  topics?: RegExp;
}

export interface ReplaySummary extends ReplayProgress {
  duplicates: number;
  /** From the first batch handed over to the last applied (`elapsedMs` also counts start-up). */
  applyMs: number;
  /** `read` over `applyMs`: on the terms of a raw consume's rate. */
  eventsPerSecond: number;
  digest: StateDigest;
}

/**
 * Opens the target store, which takes its writer lock for the whole replay. That lock, not a
 * one-time health probe, is what keeps an in-place rebuild and the live projector apart: it refuses
 * while the projector holds the store (a probe could miss a slow or restarting projector), and the
 * projector cannot start again until the replay has closed the store.
 */
async function openTarget(store: ProjectionStore, o: ReplayOptions): Promise<void> {
  try {
    await store.init();
  } catch (e) {
    if (o.inPlace && e instanceof StoreLockedError)
      throw new ReplayError(
        'LIVE_PROJECTOR_RUNNING',
        `the live projector (${o.inPlace.liveProjectorUrl}) holds the store: stop it before an in-place rebuild. ${e.message}`,
        { cause: e },
      );
    throw e;
  }
}

function modelsOf(o: ReplayOptions): ModelSet {
  return o.models ?? loadModels(['profile']);
}

/** Where the history of each source partition starts and ends (`topic:partition` → offset). */
interface HistoryRange {
  start: Map<string, bigint>;
  end: Map<string, bigint>;
  /** Records in [start, end) over every partition. */
  total: number;
}

/** The end offsets seen now (so the replay terminates) and the start each `o.from` asks for. */
async function historyRange(kafka: Kafka, o: ReplayOptions): Promise<HistoryRange> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const pattern = o.topics ?? sourceTopicPattern(modelsOf(o).aggregateTypes);
    const topics = (await admin.listTopics()).filter((t) => pattern.test(t)).sort();
    const start = new Map<string, bigint>();
    const end = new Map<string, bigint>();
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const byTime =
        o.from?.kind === 'timestamp' ? await admin.fetchTopicOffsetsByTimestamp(topic, o.from.ms) : [];
      for (const p of offsets) {
        const k = `${topic}:${p.partition}`;
        end.set(k, BigInt(p.high));
        let s = BigInt(p.low);
        if (o.from?.kind === 'timestamp')
          s = BigInt(byTime.find((x) => x.partition === p.partition)?.offset ?? p.high);
        if (o.from?.kind === 'offsets' && o.from.offsets[k] !== undefined) s = BigInt(o.from.offsets[k]);
        start.set(k, s);
      }
    }
    const total = [...end].reduce((n, [k, e]) => n + Number(e > start.get(k)! ? e - start.get(k)! : 0n), 0);
    return { start, end, total };
  } finally {
    await admin.disconnect();
  }
}

/** Poison goes to the report file (one append per batch), or stops a strict replay. */
function poisonReport(o: ReplayOptions): (p: readonly Poison[]) => void {
  return (p) => {
    if (o.reportFile && p.length > 0)
      appendFileSync(
        o.reportFile,
        p
          .map(
            (x) =>
              `${JSON.stringify({ topic: x.topic, partition: x.partition, offset: x.record.offset, code: x.code, reason: x.reason })}\n`,
          )
          .join(''),
      );
    if (o.strict && p.length > 0) {
      throw new ReplayError(
        'STRICT_POISON',
        `${p[0]!.code} at ${p[0]!.topic}:${p[0]!.partition}@${p[0]!.record.offset}: ${p[0]!.reason}`,
      );
    }
  };
}

/** The live projector's engine, with the replay's filter, its exports and its poison report. */
function replayEngine(
  store: ProjectionStore,
  o: ReplayOptions,
  exports: { ndjson?: NdjsonExport; avro?: AvroContainerExport },
): ProjectionEngine {
  const types = o.aggregateTypes ? new Set(o.aggregateTypes) : undefined;
  const ids = o.aggregateIds ? new Set(o.aggregateIds) : undefined;
  const include = (e: MeridianEvent) =>
    (o.untilMs === undefined || e.envelope.hlc.wallMs <= o.untilMs) &&
    (!types || types.has(e.envelope.aggregateType)) &&
    (!ids || ids.has(e.envelope.aggregateId));
  const report = poisonReport(o);
  return new ProjectionEngine({
    region: o.region,
    store,
    serde: new EventSerde({
      registry: new ConfluentSchemaRegistry({ url: o.registryUrl }),
      readers: modelsOf(o).schemas,
    }),
    models: modelsOf(o).models,
    deadLetter: { send: async (p) => report(p) },
    // The live projector's rule, from each record alone: replay dead-letters what it dead-lettered.
    maxForwardSkewMs: o.maxForwardSkewMs ?? DEFAULT_MAX_FORWARD_SKEW_MS,
    maxRetryMs: 0,
    include,
    onEvent: (e, src) => {
      exports.ndjson?.write(e, src);
      exports.avro?.write(e);
    },
  });
}

/** What consuming the range added up to, and when its first and last batches were. */
interface Consumed {
  duplicates: number;
  firstBatchAt?: number;
  lastBatchAt?: number;
}

/**
 * Reads [start, end) of every partition through the projector's one batch loop (bounded mode),
 * with a consumer group of its own that never commits; resolves once every partition reached its end.
 */
async function consumeRange(
  kafka: Kafka,
  engine: ProjectionEngine,
  range: HistoryRange,
  progress: ReplayProgress,
  onBatch: () => void,
): Promise<Consumed> {
  const { start, end } = range;
  const out: Consumed = { duplicates: 0 };
  const pending = new Set([...end].filter(([k, e]) => e > start.get(k)!).map(([k]) => k));
  if (pending.size === 0) return out;
  const consumer = kafka.consumer({
    groupId: `meridian-replay-${randomUUID()}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  let fail: (e: unknown) => void = () => undefined;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const loop = engineBatchLoop(consumer, {
    engine,
    startOf: (topic, partition) => String(start.get(`${topic}:${partition}`) ?? 0n),
    endOf: (topic, partition) => end.get(`${topic}:${partition}`) ?? 0n,
    onBatch: (b) => {
      progress.read += b.read;
      progress.applied += b.out.applied;
      progress.skipped += b.out.skipped;
      progress.deadLettered += b.out.deadLettered;
      out.duplicates += b.out.duplicates;
      out.lastBatchAt = Date.now();
      onBatch();
      const k = `${b.topic}:${b.partition}`;
      if (b.reached >= (end.get(k) ?? 0n) && pending.delete(k) && pending.size === 0) finish();
    },
    onError: (e) => {
      fail(e);
      return true;
    },
  });
  // The rate is counted from the first batch, as a raw consume's is: not the group join before it.
  const eachBatch: typeof loop = async (payload) => {
    out.firstBatchAt ??= Date.now();
    return loop(payload);
  };
  await consumer.connect();
  try {
    await consumer.subscribe({
      topics: [...new Set([...pending].map((k) => k.slice(0, k.lastIndexOf(':'))))],
      fromBeginning: true,
    });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/**
 * Rebuilds state from one region's history into a store, reading the region's cluster with a
 * consumer group of its own (never committing, never the live system's) and never writing to Kafka.
 * It reads up to the end offsets seen when it starts, so it terminates while the system keeps going.
 */
export async function replay(o: ReplayOptions): Promise<ReplaySummary> {
  const t0 = Date.now();
  const store = createProjectionStore(o.store);
  try {
    await openTarget(store, o);
    if (o.inPlace) {
      await store.truncate();
    } else if ((await store.positions()).length > 0) {
      throw new ReplayError(
        'TARGET_NOT_EMPTY',
        'the target store already holds state: give a fresh SQLite file or PostgreSQL schema (or --in-place with the live projector stopped)',
      );
    }
    const kafka = new Kafka({
      clientId: `meridian-replay-${o.region}`,
      brokers: o.brokers,
      logLevel: logLevel.NOTHING,
    });
    const range = await historyRange(kafka, o);
    const exports = {
      ...(o.exportNdjson ? { ndjson: new NdjsonExport(o.exportNdjson) } : {}),
      ...(o.exportAvroDir ? { avro: new AvroContainerExport(o.exportAvroDir) } : {}),
    };
    const engine = replayEngine(store, o, exports);
    await engine.start();

    const progress: ReplayProgress = {
      read: 0,
      total: range.total,
      applied: 0,
      skipped: 0,
      deadLettered: 0,
      elapsedMs: 0,
    };
    const consumed = await consumeRange(kafka, engine, range, progress, () => {
      progress.elapsedMs = Date.now() - t0;
      o.onProgress?.({ ...progress });
    });
    await exports.ndjson?.close();
    await exports.avro?.close();
    progress.elapsedMs = Date.now() - t0;
    o.onProgress?.({ ...progress });
    const applyMs =
      consumed.firstBatchAt === undefined || consumed.lastBatchAt === undefined
        ? 0
        : consumed.lastBatchAt - consumed.firstBatchAt;
    return {
      ...progress,
      duplicates: consumed.duplicates,
      applyMs,
      eventsPerSecond: progress.read / Math.max(0.001, applyMs / 1000),
      digest: await store.stateDigest(),
    };
  } finally {
    await store.close();
  }
}
