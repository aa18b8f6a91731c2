import type { Document, FieldView, LwwConflict, VersionVector } from '@meridian/merge';
import type { EpochTrackerStats } from '@meridian/projector';
import type { AggregateDigest, SourcePosition, StoreStats } from '@meridian/store';

/**
 * What a region's projector answers on its HTTP read API, one type per route. The projector's
 * controller returns these; `ReadApiClient` reads them — one contract for the writer's snapshots,
 * replay's verify, the replication monitor, edge caches and the tests.
 */

/** `GET /aggregates/:type/:id` (ETag = `"<digest>"`; `If-None-Match` → 304). */
export interface AggregateView {
  aggregateType: string;
  aggregateId: string;
  region: string;
  /** Per merge field, its merged value under the field's rule (the generic shape). */
  state: Record<string, FieldView>;
  /**
   * The state in the model's read shape (`DefinedAggregate.read`: plain values, keyed parts as
   * `{ member: value }`), when the projector serves the type's model.
   */
  view?: Record<string, unknown>;
  version: VersionVector;
  digest: string;
  updatedAtMs: number;
}

/**
 * `GET /aggregates/:type/:id/conflicts`: the LWW registers of the aggregate holding concurrent
 * writes — both (all) values, their origins and HLCs, the winner and why. Read from the merged state,
 * so every region holding the same events answers the same; a write that saw them all clears it.
 */
export interface ConflictsView {
  aggregateType: string;
  aggregateId: string;
  region: string;
  digest: string;
  conflicts: LwwConflict[];
}

/** `GET /aggregates/:type/:id/document`: the raw merge document, which writers build removes on. */
export interface DocumentView {
  digest: string;
  document: Document;
}

/** `GET /digest[?type=]`: regions agree on their state (or one type's) iff these digests are equal. */
export interface DigestView {
  region: string;
  aggregateType?: string;
  digest: string;
  aggregates: number;
}

/** `GET /digest/:type?after=&limit=`: per-aggregate digests in UTF-8 order, paged. */
export interface DigestPageView {
  items: readonly AggregateDigest[];
  nextAfterId?: string;
}

/** `GET /positions`: per source partition, the next offset to apply; the store's counters. */
export interface PositionsView {
  region: string;
  positions: SourcePosition[];
  stats: StoreStats;
  writerEpochs: EpochTrackerStats;
}
