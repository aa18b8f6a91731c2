/**
 * The projector's state store: a port. The projector folds events into one merge `Document` per
 * aggregate and commits, in ONE transaction, the documents it changed and the offsets it consumed.
 * On start it reads `positions()` and seeks there, so Kafka group offsets are never the source of
 * truth and a crash at any point neither loses nor double-applies an event.
 */

/** Identifies an aggregate. `aggregateType` is a short name (`profile`), `aggregateId` any printable text. */
export interface AggregateKey {
  readonly aggregateType: string;
  readonly aggregateId: string;
}

export interface StoredDocument extends AggregateKey {
  /** The merge `Document` (plain JSON values, bigint allowed); stored in its canonical encoding. */
  readonly state: unknown;
  /** SHA-256 hex of the canonical encoding of `state` (`digest(state)` from `@meridian/merge`). */
  readonly digest: string;
  readonly updatedAtMs: number;
}

/** How far the projector has consumed one source partition. */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  /** The next Kafka offset to read, as a decimal string (Kafka offsets are int64). */
  readonly nextOffset: string;
  /** Region the topic's events come from (`us-west` for `us-west.meridian.profile`). */
  readonly sourceRegion: string;
  /** HLC of the last applied event, in the sortable form of `hlcToString`. */
  readonly lastHlc?: string;
  readonly appliedAtMs: number;
}

/**
 * A position to write. Positions never move backwards: a commit whose `nextOffset` is below the
 * stored one is rolled back whole, because its documents were computed from events already applied.
 *
 * `expectedNextOffset` additionally fences a concurrent writer: when it is a string the stored
 * offset must equal it, when `null` the store must hold nothing for the partition yet; when it is
 * undefined only the monotonic rule applies.
 */
export interface PositionAdvance extends SourcePosition {
  readonly expectedNextOffset?: string | null;
}

export interface StoreCounters {
  readonly applied: number;
  readonly deadLettered: number;
  readonly duplicates: number;
  /**
   * LWW registers holding concurrent writes, over every document (`countLwwConflicts` in
   * `@meridian/merge`): a function of the state, so equal in every region that holds the same
   * events. The one signed counter: a commit adds what it opened minus what it resolved.
   */
  readonly lwwConflicts: number;
}

/**
 * A document to upsert. Without `digest` the store computes it from the canonical encoding it makes
 * anyway (one encoding and one hash per document on the hot path); with one, it is checked.
 */
export type DocumentWrite = Omit<StoredDocument, 'digest'> & { readonly digest?: string };

export interface BatchCommit {
  /** Upserted: at most one per aggregate per commit. */
  readonly documents: readonly DocumentWrite[];
  /** At most one per (topic, partition) per commit. */
  readonly positions: readonly PositionAdvance[];
  /** Increments, committed with the batch so they count each event exactly once too. */
  readonly counters?: Partial<StoreCounters>;
}

export interface StoreStats extends StoreCounters {
  readonly aggregates: number;
}

/**
 * SHA-256 hex over the lines `${aggregateType}\t${aggregateId}\t${digest}\n`, sorted by
 * (aggregateType, aggregateId) in UTF-8 byte order (= Unicode code point order), with the number of
 * aggregates. Equal content gives an equal digest in every adapter: regions compare this.
 */
export interface StateDigest {
  readonly digest: string;
  readonly aggregates: number;
}

export interface AggregateDigest {
  readonly aggregateId: string;
  readonly digest: string;
}

/** A page of per-aggregate digests in UTF-8 byte order of `aggregateId`. */
export interface DigestPage {
  readonly items: readonly AggregateDigest[];
  /** Pass as `afterId` for the next page; undefined when this was the last page. */
  readonly nextAfterId: string | undefined;
}

export interface DigestPageOptions {
  /** Exclusive lower bound on `aggregateId`. */
  readonly afterId?: string;
  /** 1..10 000, default 1 000. */
  readonly limit?: number;
}

export interface ProjectionStore {
  /** Creates or migrates the schema. Idempotent and safe to call from several processes at once. Call first. */
  init(): Promise<void>;
  /** Every stored position, sorted by (topic, partition): where to resume. */
  positions(): Promise<SourcePosition[]>;
  /** Batch load; the map is keyed by `documentKey(type, id)` and omits aggregates never stored. */
  getDocuments(keys: readonly AggregateKey[]): Promise<Map<string, StoredDocument>>;
  getDocument(aggregateType: string, aggregateId: string): Promise<StoredDocument | undefined>;
  /**
   * Upserts documents, advances positions and adds counters in one transaction: all or nothing. The
   * store may keep the committed states in memory for later `getDocuments`: do not change a state
   * object after committing it (the merge library never does; its documents are immutable).
   */
  commit(batch: BatchCommit): Promise<void>;
  /** Digest of all state, or of one aggregate type. Reads ids and digests only, from one snapshot. */
  stateDigest(aggregateType?: string): Promise<StateDigest>;
  /** Per-aggregate digests, paged, to find which aggregates differ once two regions' state digests do. */
  aggregateDigests(aggregateType: string, options?: DigestPageOptions): Promise<DigestPage>;
  stats(): Promise<StoreStats>;
  /** Drops all documents, positions and counters (for a rebuild from the start of the topics). */
  truncate(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** The key `getDocuments` uses. Aggregate types cannot contain `/`, so it is unambiguous. */
export function documentKey(aggregateType: string, aggregateId: string): string {
  return `${aggregateType}/${aggregateId}`;
}
