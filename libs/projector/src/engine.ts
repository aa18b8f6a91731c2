// Long on purpose: the fold of a batch and the classification of every record in it, which must agree.
import {
  ContractError,
  type ContractErrorCode,
  EventSerde,
  type KafkaHeaders,
  type MeridianEvent,
  UnknownSchemaError,
} from '@meridian/contract';
import type { AggregateModel } from '@meridian/domain';
import {
  compareHlc,
  countLwwConflicts,
  DocumentDraft,
  type Document,
  type Hlc,
  documentEmpty,
  hlcToString,
  type HybridLogicalClock,
  MergeError,
  type Operation,
} from '@meridian/merge';
import {
  aggregateKeyProblem,
  documentKey,
  type DocumentWrite,
  type ProjectionStore,
  type SourcePosition,
  StoreError,
  type StoredDocument,
} from '@meridian/store';
import { sourceRegionOf } from '@meridian/topology';
import { PositionAheadOfLogError } from './errors';
import { decideSkew, DEFAULT_MAX_FORWARD_SKEW_MS } from './skew';

export type { AggregateModel } from '@meridian/domain';

export interface RawRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: KafkaHeaders;
  /** The Kafka record timestamp (ms since the epoch), which MirrorMaker 2 copies from the origin. */
  readonly timestamp: string;
}

/** What the fetch that delivered a batch said about its partition. */
export interface FetchInfo {
  /** The partition's log end (high watermark) at fetch time: kafkajs' `batch.highWatermark`. */
  readonly logEndOffset?: string;
}

/** A record that cannot be applied, with why: goes to the region's dead-letter topic. */
export interface Poison {
  readonly topic: string;
  readonly partition: number;
  readonly record: RawRecord;
  readonly code: string;
  readonly reason: string;
  /** The cause might pass (e.g. a schema not yet registered here): the record is worth replaying. */
  readonly retriable: boolean;
}

/** Where poison goes. `send` resolves only once it is durably stored (before positions advance). */
export interface DeadLetterSink {
  send(poison: readonly Poison[]): Promise<void>;
}

export interface BatchOutcome {
  readonly nextOffset: string | undefined;
  readonly applied: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  /** Below the stored position (already applied), or left out by `EngineOptions.include`. */
  readonly skipped: number;
  /** Registers in conflict opened minus resolved by the commit (signed; what the store added). */
  readonly lwwConflicts: number;
}

/** A problem that may pass (registry or store unreachable): retry the same batch later. */
export class RetriableBatchError extends Error {
  override readonly name = 'RetriableBatchError';
}

export interface EngineOptions {
  region: string;
  store: ProjectionStore;
  serde: EventSerde;
  models: readonly AggregateModel[];
  deadLetter: DeadLetterSink;
  /**
   * An event whose HLC wall time is more than this ahead of its record's timestamp is dead-lettered
   * (`CLOCK_SKEW`, see `decideSkew`). Must be the same in every region and in replay. Default 60 s.
   */
  maxForwardSkewMs?: number;
  /**
   * @deprecated Not called: the projector stamps nothing, so it adopts no remote HLC (`receive`
   * would compare against the local wall clock and make the outcome depend on when a record is
   * read). Only its `maxForwardSkewMs` is used, when `maxForwardSkewMs` is not given.
   */
  clock?: HybridLogicalClock;
  /**
   * How long records failing with a retriable contract error (a schema not yet registered in this
   * region) hold their partition back before they are dead-lettered. The hold is per partition and
   * per reason (the missing schema), not per record. Default 60 s.
   */
  maxRetryMs?: number;
  /**
   * Which decoded events to fold (replays: some aggregate types or ids, or history up to a moment).
   * Events left out are counted as skipped and their offsets still advance. Default: all.
   */
  include?: (event: MeridianEvent) => boolean;
  /** Sees every decoded event that is folded, in order (exports). */
  onEvent?: (event: MeridianEvent, source: { topic: string; partition: number; offset: string }) => void;
  now?: () => number;
}

/**
 * Folds batches of one source partition into the store with an exactly-once effect: the documents a
 * batch changed and the partition's next offset are committed in one transaction, and records below
 * the stored offset are skipped (they were applied before a crash or a rebalance). Poison records go
 * to the dead-letter sink, durably, before the position moves past them; nothing is dropped silently.
 */
/** What `classify` made of a batch's records. */
interface Classified {
  decoded: {
    record: RawRecord;
    event: MeridianEvent;
    op: Operation;
    aggregateType: string;
    aggregateId: string;
    /** `documentKey(aggregateType, aggregateId)`, computed once. */
    key: string;
  }[];
  poison: Poison[];
  /** Records failing with a retriable contract error, by reason: held back, or dead-lettered together. */
  failing: Map<string, { record: RawRecord; error: ContractError }[]>;
  /** Records the `include` filter left out. */
  skipped: number;
}

/** Folds decoded batches into a projection store: idempotent by dot, one commit per batch with the source positions, dead-letters what cannot apply. */
export class ProjectionEngine {
  private positions = new Map<string, SourcePosition>();
  /**
   * Holds by topic:partition, then by reason (`holdReason`): when records failing for that reason
   * were first seen. A reason's hold outlives the batch that dead-letters its records (the next batch
   * with the same missing schema does not wait again) and ends at the first commit of the partition
   * in which that reason no longer fails.
   */
  private readonly holds = new Map<string, Map<string, number>>();
  private readonly models: Map<string, AggregateModel>;
  private readonly maxForwardSkewMs: number;

  constructor(private readonly o: EngineOptions) {
    this.models = new Map(o.models.map((m) => [m.aggregateType, m]));
    this.maxForwardSkewMs = o.maxForwardSkewMs ?? o.clock?.maxForwardSkewMs ?? DEFAULT_MAX_FORWARD_SKEW_MS;
  }

  /** Loads the committed positions: where the consumer must seek to. */
  async start(): Promise<SourcePosition[]> {
    await this.o.store.init();
    await this.reloadPositions();
    return this.allPositions();
  }

  private async reloadPositions(): Promise<void> {
    const list = await this.o.store.positions();
    this.positions = new Map(list.map((p) => [`${p.topic}:${p.partition}`, p]));
  }

  position(topic: string, partition: number): SourcePosition | undefined {
    return this.positions.get(`${topic}:${partition}`);
  }

  allPositions(): SourcePosition[] {
    return [...this.positions.values()];
  }

  /**
   * Throws `RetriableBatchError` (retry the same batch later), `PositionAheadOfLogError` (stop: the
   * log is behind the store) or a non-retriable `StoreError`.
   */
  /**
   * Folds one fetched batch of a partition into the store in one commit: records below the stored
   * position are skipped, undecodable or invalid ones dead-lettered, ones waiting for a schema held
   * back (`RetriableBatchError`) until `maxRetryMs`, the rest applied in offset order.
   */
  async applyBatch(
    topic: string,
    partition: number,
    records: readonly RawRecord[],
    fetched: FetchInfo = {},
  ): Promise<BatchOutcome> {
    const prev = this.position(topic, partition);
    const from = BigInt(prev?.nextOffset ?? '0');
    // A log that ends below the stored position cannot be the log the store was built from: the
    // records delivered are new ones at reused offsets (the consumer was reset to the log start).
    if (
      prev &&
      records.length > 0 &&
      fetched.logEndOffset !== undefined &&
      BigInt(fetched.logEndOffset) < from
    ) {
      throw new PositionAheadOfLogError(
        topic,
        partition,
        prev.nextOffset,
        fetched.logEndOffset,
        records[0]!.offset,
      );
    }
    const fresh = records.filter((r) => BigInt(r.offset) >= from);
    const below = records.length - fresh.length;
    if (fresh.length === 0)
      return {
        nextOffset: prev?.nextOffset,
        applied: 0,
        duplicates: 0,
        deadLettered: 0,
        skipped: below,
        lwwConflicts: 0,
      };

    const c = await this.classify(topic, partition, fresh);
    const partitionKey = `${topic}:${partition}`;
    this.holdBack(topic, partition, c);
    for (const d of c.decoded) this.o.onEvent?.(d.event, { topic, partition, offset: d.record.offset });
    const fold = await this.fold(topic, partition, c, prev?.lastHlc);
    if (c.poison.length > 0) await this.o.deadLetter.send(c.poison);

    const nowMs = (this.o.now ?? Date.now)();
    const nextOffset = (BigInt(fresh[fresh.length - 1]!.offset) + 1n).toString();
    const position: SourcePosition = {
      topic,
      partition,
      nextOffset,
      sourceRegion: sourceRegionOf(topic, this.o.region),
      ...(fold.lastHlc !== undefined ? { lastHlc: fold.lastHlc } : {}),
      appliedAtMs: nowMs,
    };
    // The store encodes each document once and derives its digest from that encoding.
    const documents: DocumentWrite[] = [...fold.changed].map(([k, id]) => ({
      ...id,
      state: fold.docs.get(k)!,
      updatedAtMs: nowMs,
    }));
    const { applied, duplicates, lwwConflicts } = fold;
    const poison = c.poison;
    try {
      await this.o.store.commit({
        documents,
        positions: [{ ...position, expectedNextOffset: prev?.nextOffset ?? null }],
        counters: { applied, duplicates, deadLettered: poison.length, lwwConflicts },
      });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'POSITION_CONFLICT') {
        // Another instance (or a stale view of ours) moved the position: reload and re-apply the
        // batch; records now below the stored offset are skipped.
        await this.reloadPositions();
        throw new RetriableBatchError(`position moved underneath: ${e.message}`);
      }
      if (e instanceof StoreError && !e.retriable) throw e;
      throw new RetriableBatchError(`commit failed: ${(e as Error).message}`);
    }
    this.positions.set(partitionKey, position);
    // Only now may holds end (a failed commit retries the batch, which must not wait again).
    const holds = this.holds.get(partitionKey);
    if (holds) {
      for (const reason of [...holds.keys()]) if (!c.failing.has(reason)) holds.delete(reason);
      if (holds.size === 0) this.holds.delete(partitionKey);
    }
    return {
      nextOffset,
      applied,
      duplicates,
      deadLettered: poison.length,
      skipped: below + c.skipped,
      lwwConflicts,
    };
  }

  /** Each record of the batch: decoded to an operation, poison (with why), held, or skipped. */
  private async classify(topic: string, partition: number, fresh: readonly RawRecord[]): Promise<Classified> {
    const out: Classified = { decoded: [], poison: [], failing: new Map(), skipped: 0 };
    const dead = (record: RawRecord, code: string, reason: string) =>
      out.poison.push(this.poison(topic, partition, record, code, reason, false));
    const source = { topic };
    // Aggregates recur within a batch (a fetch holds several events of each): check a key once.
    const keyProblems = new Map<string, string | undefined>();
    const slice = new TimeSlice();
    for (const record of fresh) {
      if (slice.due()) await slice.yield();
      if (record.value === null) {
        dead(
          record,
          'TOMBSTONE' satisfies ContractErrorCode,
          'null value (a tombstone): events are never deleted by key, there is nothing to apply',
        );
        continue;
      }
      try {
        // Synchronous once the writer schema is known: no microtask per record.
        const event =
          this.o.serde.decodeKnown(record.value, record.headers, source) ??
          (await this.o.serde.decode(record.value, record.headers, source));
        const model = this.models.get(event.envelope.aggregateType);
        if (!model) {
          dead(record, 'UNKNOWN_AGGREGATE_TYPE', `no model for "${event.envelope.aggregateType}"`);
          continue;
        }
        const key = documentKey(event.envelope.aggregateType, event.envelope.aggregateId);
        let keyProblem = keyProblems.get(key);
        if (keyProblem === undefined && !keyProblems.has(key)) {
          keyProblem = aggregateKeyProblem(event.envelope.aggregateType, event.envelope.aggregateId);
          keyProblems.set(key, keyProblem);
        }
        if (keyProblem) {
          dead(record, 'INVALID_AGGREGATE_KEY', keyProblem);
          continue;
        }
        if (this.o.include && !this.o.include(event)) {
          out.skipped++;
          continue;
        }
        const op = model.toOperation(event);
        // Decided from the record alone, never from this process's clock (see `decideSkew`).
        const skew = decideSkew({
          hlcWallMs: op.hlc.wallMs,
          recordTimestamp: record.timestamp,
          maxForwardSkewMs: this.maxForwardSkewMs,
        });
        if (!skew.accepted) {
          dead(record, skew.code, skew.reason);
          continue;
        }
        out.decoded.push({
          record,
          event,
          op,
          aggregateType: event.envelope.aggregateType,
          aggregateId: event.envelope.aggregateId,
          key,
        });
      } catch (e) {
        if (e instanceof ContractError && e.code === 'REGISTRY_UNAVAILABLE')
          throw new RetriableBatchError(e.message);
        if (e instanceof ContractError && e.retriable) {
          // E.g. a mirrored event whose schema is not registered here yet: decided in `holdBack`,
          // once for every record of the batch failing for the same reason.
          const reason = holdReason(e);
          const held = out.failing.get(reason);
          if (held) held.push({ record, error: e });
          else out.failing.set(reason, [{ record, error: e }]);
          continue;
        }
        out.poison.push(this.poisonOf(topic, partition, record, e));
      }
    }
    return out;
  }

  /**
   * Holds the partition back (the batch is retried) while any reason is younger than maxRetryMs;
   * once every reason is older, dead-letters all their records rather than block forever. One hold
   * per reason, not per record: N records waiting for one schema wait one period, not N.
   */
  private holdBack(topic: string, partition: number, c: Classified): void {
    if (c.failing.size === 0) return;
    const partitionKey = `${topic}:${partition}`;
    const now = (this.o.now ?? Date.now)();
    const maxRetryMs = this.o.maxRetryMs ?? 60_000;
    const holds = this.holds.get(partitionKey) ?? new Map<string, number>();
    this.holds.set(partitionKey, holds);
    const waiting: string[] = [];
    for (const [reason, list] of c.failing) {
      const since = holds.get(reason) ?? now;
      holds.set(reason, since);
      if (now - since < maxRetryMs)
        waiting.push(
          `${list.length} record(s) from offset ${list[0]!.record.offset}: ${list[0]!.error.message}`,
        );
    }
    if (waiting.length > 0)
      throw new RetriableBatchError(
        `held back at ${partitionKey} (${waiting.length} reason(s)): ${waiting.join('; ')}`,
      );
    for (const [reason, list] of c.failing) {
      const heldMs = now - holds.get(reason)!;
      for (const { record, error } of list)
        c.poison.push(
          this.poison(topic, partition, record, error.code, `${error.message} (held ${heldMs} ms)`, true),
        );
    }
    // Dead-lettered in offset order with the other poison.
    c.poison.sort((a, b) => (BigInt(a.record.offset) < BigInt(b.record.offset) ? -1 : 1));
  }

  /** Loads every touched document once and applies the operations in offset order. */
  private async fold(topic: string, partition: number, c: Classified, lastHlcBefore: string | undefined) {
    const keys = [...new Map(c.decoded.map((d) => [d.key, d])).values()];
    let loaded: Map<string, StoredDocument>;
    try {
      loaded = await this.o.store.getDocuments(
        keys.map((k) => ({ aggregateType: k.aggregateType, aggregateId: k.aggregateId })),
      );
    } catch (e) {
      if (e instanceof StoreError && !e.retriable) throw e;
      throw new RetriableBatchError(`store unavailable: ${(e as Error).message}`);
    }
    // One draft per aggregate: the batch's events of an aggregate copy each record of its document
    // once, not once per event (see `DocumentDraft`); the stored document is never changed.
    const drafts = new Map<string, DocumentDraft>();
    const changed = new Map<string, { aggregateType: string; aggregateId: string }>();
    let applied = 0;
    let duplicates = 0;
    // The highest HLC folded, compared as fields and written as a string once.
    let highest: Hlc | undefined;
    const slice = new TimeSlice();
    for (const d of c.decoded) {
      if (slice.due()) await slice.yield();
      const k = d.key;
      let draft = drafts.get(k);
      if (draft === undefined) {
        draft = new DocumentDraft((loaded.get(k)?.state as Document | undefined) ?? documentEmpty());
        drafts.set(k, draft);
      }
      try {
        if (!draft.apply(d.op)) duplicates++;
        else {
          applied++;
          changed.set(k, { aggregateType: d.aggregateType, aggregateId: d.aggregateId });
        }
        if (highest === undefined || compareHlc(d.op.hlc, highest) > 0) highest = d.op.hlc;
      } catch (e) {
        c.poison.push(this.poisonOf(topic, partition, d.record, e));
      }
    }
    const h = highest === undefined ? undefined : hlcToString(highest);
    const lastHlc = h !== undefined && (lastHlcBefore === undefined || h > lastHlcBefore) ? h : lastHlcBefore;
    const docs = new Map<string, Document>();
    // Registers in conflict opened minus resolved by this batch: the store keeps the running total.
    let lwwConflicts = 0;
    for (const k of changed.keys()) {
      const doc = drafts.get(k)!.result();
      docs.set(k, doc);
      const before = loaded.get(k)?.state as Document | undefined;
      lwwConflicts += countLwwConflicts(doc) - (before ? countLwwConflicts(before) : 0);
    }
    return { docs, changed, applied, duplicates, lastHlc, lwwConflicts };
  }

  /** The one classification of a failure to decode or apply a record: its code, and whether it may pass. */
  private poisonOf(topic: string, partition: number, record: RawRecord, e: unknown): Poison {
    const known = e instanceof ContractError || e instanceof MergeError;
    return this.poison(
      topic,
      partition,
      record,
      known ? e.code : 'UNEXPECTED',
      (e as Error).message,
      known ? e.retriable : false,
    );
  }

  private poison(
    topic: string,
    partition: number,
    record: RawRecord,
    code: string,
    reason: string,
    retriable: boolean,
  ): Poison {
    return { topic, partition, record, code, reason, retriable };
  }
}

/**
 * A fetch of 4 MiB is ~15k records, a few hundred ms of decoding and folding: done in one go it
 * would stall the process's event loop (its read API, health checks, heartbeats) for all of it.
 * The loops give way every SLICE_MS; checking the clock every 256 records keeps that nearly free.
 */
const SLICE_MS = 10;

class TimeSlice {
  private n = 0;
  private since = performance.now();

  due(): boolean {
    return (++this.n & 255) === 0 && performance.now() - this.since >= SLICE_MS;
  }

  async yield(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    this.since = performance.now();
  }
}

/** What records held back together wait for: the missing schema (fingerprint or id), else the code. */
function holdReason(e: ContractError): string {
  if (e instanceof UnknownSchemaError)
    return `${e.code}:${e.ref.subject ?? ''}:${e.ref.fingerprint ?? ''}:${e.ref.id ?? ''}`;
  return e.code;
}
