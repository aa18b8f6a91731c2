import { ContractError, EventSerde, type KafkaHeaders, type MeridianEvent } from '@meridian/contract';
import {
  applyOp,
  type Document,
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

/** How one aggregate type's events become merge operations (e.g. `@meridian/domain`'s profile). */
export interface AggregateModel {
  readonly aggregateType: string;
  toOperation(event: MeridianEvent): Operation;
}

export interface RawRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: KafkaHeaders;
  readonly timestamp: string;
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
  /** The projector's clock: every event passes `receive` (the forward-skew bound) before it is applied. */
  clock: HybridLogicalClock;
  /**
   * How long a record failing with a retriable contract error (a schema not yet registered in this
   * region) holds its partition back before it is dead-lettered. Default 60 s.
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
export class ProjectionEngine {
  private positions = new Map<string, SourcePosition>();
  /** First failure time of records held back by a retriable contract error, by topic:partition:offset. */
  private readonly heldSince = new Map<string, number>();
  private readonly models: Map<string, AggregateModel>;

  constructor(private readonly o: EngineOptions) {
    this.models = new Map(o.models.map((m) => [m.aggregateType, m]));
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

  async applyBatch(topic: string, partition: number, records: readonly RawRecord[]): Promise<BatchOutcome> {
    const prev = this.position(topic, partition);
    const from = BigInt(prev?.nextOffset ?? '0');
    const fresh = records.filter((r) => BigInt(r.offset) >= from);
    let skipped = records.length - fresh.length;
    if (fresh.length === 0)
      return { nextOffset: prev?.nextOffset, applied: 0, duplicates: 0, deadLettered: 0, skipped };

    const poison: Poison[] = [];
    const decoded: { record: RawRecord; op: Operation; aggregateType: string; aggregateId: string }[] = [];
    for (const record of fresh) {
      try {
        const event = await this.o.serde.decode(record.value, record.headers, { topic });
        const model = this.models.get(event.envelope.aggregateType);
        if (!model) {
          poison.push(
            this.poison(
              topic,
              partition,
              record,
              'UNKNOWN_AGGREGATE_TYPE',
              `no model for "${event.envelope.aggregateType}"`,
              false,
            ),
          );
          continue;
        }
        const keyProblem = aggregateKeyProblem(event.envelope.aggregateType, event.envelope.aggregateId);
        if (keyProblem) {
          poison.push(this.poison(topic, partition, record, 'INVALID_AGGREGATE_KEY', keyProblem, false));
          continue;
        }
        if (this.o.include && !this.o.include(event)) {
          skipped++;
          continue;
        }
        const op = model.toOperation(event);
        this.o.clock.receive(op.hlc); // throws HlcSkewError past the bound
        this.o.onEvent?.(event, { topic, partition, offset: record.offset });
        decoded.push({
          record,
          op,
          aggregateType: event.envelope.aggregateType,
          aggregateId: event.envelope.aggregateId,
        });
      } catch (e) {
        if (e instanceof ContractError && e.code === 'REGISTRY_UNAVAILABLE')
          throw new RetriableBatchError(e.message);
        if (e instanceof ContractError && e.retriable) {
          // E.g. a mirrored event whose schema is not registered here yet: hold the partition back
          // for a while (the batch is retried), then dead-letter it rather than block forever.
          const k = `${topic}:${partition}:${record.offset}`;
          const now = (this.o.now ?? Date.now)();
          const since = this.heldSince.get(k) ?? now;
          this.heldSince.set(k, since);
          if (now - since < (this.o.maxRetryMs ?? 60_000))
            throw new RetriableBatchError(`${e.code} at ${k}: ${e.message}`);
          this.heldSince.delete(k);
        }
        const code = e instanceof ContractError || e instanceof MergeError ? e.code : 'UNEXPECTED';
        const retriable = e instanceof ContractError || e instanceof MergeError ? e.retriable : false;
        poison.push(this.poison(topic, partition, record, code, (e as Error).message, retriable));
      }
    }

    // Load every touched document once, apply in offset order.
    const keys = [...new Map(decoded.map((d) => [documentKey(d.aggregateType, d.aggregateId), d])).values()];
    let loaded: Map<string, StoredDocument>;
    try {
      loaded = await this.o.store.getDocuments(
        keys.map((k) => ({ aggregateType: k.aggregateType, aggregateId: k.aggregateId })),
      );
    } catch (e) {
      if (e instanceof StoreError && !e.retriable) throw e;
      throw new RetriableBatchError(`store unavailable: ${(e as Error).message}`);
    }
    const docs = new Map<string, Document>();
    const changed = new Map<string, { aggregateType: string; aggregateId: string }>();
    let applied = 0;
    let duplicates = 0;
    let lastHlc: string | undefined = prev?.lastHlc;
    for (const d of decoded) {
      const k = documentKey(d.aggregateType, d.aggregateId);
      const before = docs.get(k) ?? (loaded.get(k)?.state as Document | undefined) ?? documentEmpty();
      try {
        const after = applyOp(before, d.op);
        if (after === before) duplicates++;
        else {
          applied++;
          changed.set(k, { aggregateType: d.aggregateType, aggregateId: d.aggregateId });
          docs.set(k, after);
        }
        const h = hlcToString(d.op.hlc);
        if (lastHlc === undefined || h > lastHlc) lastHlc = h;
      } catch (e) {
        const code = e instanceof MergeError ? e.code : 'UNEXPECTED';
        poison.push(
          this.poison(
            topic,
            partition,
            d.record,
            code,
            (e as Error).message,
            e instanceof MergeError && e.retriable,
          ),
        );
      }
    }

    if (poison.length > 0) await this.o.deadLetter.send(poison);

    const nowMs = (this.o.now ?? Date.now)();
    const nextOffset = (BigInt(fresh[fresh.length - 1]!.offset) + 1n).toString();
    const position: SourcePosition = {
      topic,
      partition,
      nextOffset,
      sourceRegion: sourceRegionOf(topic, this.o.region),
      ...(lastHlc !== undefined ? { lastHlc } : {}),
      appliedAtMs: nowMs,
    };
    // The store encodes each document once and derives its digest from that encoding.
    const documents: DocumentWrite[] = [...changed].map(([k, id]) => ({
      ...id,
      state: docs.get(k)!,
      updatedAtMs: nowMs,
    }));
    try {
      await this.o.store.commit({
        documents,
        positions: [{ ...position, expectedNextOffset: prev?.nextOffset ?? null }],
        counters: { applied, duplicates, deadLettered: poison.length },
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
    this.positions.set(`${topic}:${partition}`, position);
    return { nextOffset, applied, duplicates, deadLettered: poison.length, skipped };
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
