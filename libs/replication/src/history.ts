/**
 * When the records of a partition were acknowledged, as far as sampling can tell. The monitor samples
 * log-end offsets every `sampleIntervalMs`; when the end has moved since the previous sample, the
 * new records were acknowledged after that previous sample. `firstSeen` answers with that earlier
 * bound, so an age computed from it is an upper bound: it over-reports by at most one sample interval
 * and never under-reports (an RPO figure must not look better than the truth).
 *
 * Records already in the log at the first sample were acknowledged before it, at a time sampling
 * cannot tell (`isUndated`): the monitor dates those from the records' own timestamps.
 *
 * Memory is bounded without losing the oldest point: when the history is full, neighbouring entries
 * are merged, keeping the earlier bound. A merged entry dates its later records too early, which
 * over-reports their age (by at most the merged span), and the entry holding the oldest offset keeps
 * its exact bound — so the age of the oldest unmirrored record stays exact however long the outage.
 */
export class OffsetHistory {
  private entries: { end: bigint; afterMs: number }[] = [];
  private lastEnd = -1n;
  private lastSampleMs: number | undefined;
  private firstEnd = 0n;
  private firstSampleMs = 0;

  constructor(private readonly maxEntries = 4096) {}

  /**
   * Records a sampled log-end offset. An end below the last one (topic deleted and recreated, log
   * truncated) starts the history over: the old offsets no longer name the same records.
   */
  observe(end: bigint, atMs: number): void {
    if (this.lastSampleMs === undefined || end < this.lastEnd) {
      this.entries = [];
      this.firstEnd = end;
      this.firstSampleMs = atMs;
      this.lastEnd = end;
      this.lastSampleMs = atMs;
      return;
    }
    const previous = this.lastSampleMs;
    this.lastSampleMs = atMs;
    if (end === this.lastEnd) return;
    this.entries.push({ end, afterMs: previous });
    this.lastEnd = end;
    if (this.entries.length > this.maxEntries) this.compact();
  }

  get end(): bigint {
    return this.lastEnd;
  }

  /** When the first sample was taken (every record below its end was acknowledged before it). */
  get startedMs(): number {
    return this.firstSampleMs;
  }

  /** The record at `offset` was already in the log at the first sample: sampling cannot date it. */
  isUndated(offset: bigint): boolean {
    return this.lastSampleMs !== undefined && offset < this.firstEnd;
  }

  /**
   * The earliest time the record at `offset` may have been acknowledged: the sample before the one
   * that first saw the end move past it (for an undated record: the first sample, a lower bound of
   * its age). Undefined if nothing beyond `offset` was ever seen.
   */
  firstSeen(offset: bigint): number | undefined {
    if (this.isUndated(offset)) return this.firstSampleMs;
    // Entries are sorted by end; binary search for the first end > offset.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.end > offset) hi = mid;
      else lo = mid + 1;
    }
    return this.entries[lo]?.afterMs;
  }

  /**
   * Forgets entries no figure needs any more: every record below `offset` is known to be done (the
   * monitor passes the lowest offset MirrorMaker 2's own offset-syncs prove mirrored, which never
   * exceeds the truth, so no later query asks below it).
   */
  trimBelow(offset: bigint): void {
    let i = 0;
    while (i < this.entries.length && this.entries[i]!.end <= offset) i++;
    if (i > 0) this.entries.splice(0, i);
  }

  /** How many entries are held (for tests of the bound). */
  get size(): number {
    return this.entries.length;
  }

  /** Halves the history: each pair becomes one entry with the pair's end and its earlier bound. */
  private compact(): void {
    const merged: { end: bigint; afterMs: number }[] = [];
    for (let i = 0; i < this.entries.length; i += 2) {
      const a = this.entries[i]!;
      const b = this.entries[i + 1];
      merged.push(b ? { end: b.end, afterMs: a.afterMs } : a);
    }
    this.entries = merged;
  }
}
