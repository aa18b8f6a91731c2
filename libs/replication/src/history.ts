/**
 * When the records of a partition were acknowledged, as far as sampling can tell. The monitor samples
 * log-end offsets every `sampleIntervalMs`; when the end has moved since the previous sample, the
 * new records were acknowledged after that previous sample. `firstSeen` answers with that earlier
 * bound, so an age computed from it is an upper bound: it over-reports by at most one sample interval
 * and never under-reports (an RPO figure must not look better than the truth).
 */
export class OffsetHistory {
  private entries: { end: bigint; afterMs: number }[] = [];
  private lastEnd = -1n;
  private lastSampleMs: number | undefined;

  constructor(private readonly maxEntries = 20_000) {}

  /** Records a sampled log-end offset. */
  observe(end: bigint, atMs: number): void {
    const previous = this.lastSampleMs ?? atMs;
    this.lastSampleMs = atMs;
    if (end <= this.lastEnd) return;
    this.entries.push({ end, afterMs: previous });
    this.lastEnd = end;
    if (this.entries.length > this.maxEntries) this.entries.splice(0, this.entries.length - this.maxEntries);
  }

  get end(): bigint {
    return this.lastEnd;
  }

  /**
   * The earliest time the record at `offset` may have been acknowledged: the sample before the one
   * that first saw the end move past it. Undefined if nothing beyond `offset` was ever seen.
   */
  firstSeen(offset: bigint): number | undefined {
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

  /** Forgets entries no figure needs any more (all offsets at or below `offset` are done). */
  trimBelow(offset: bigint): void {
    let i = 0;
    while (i < this.entries.length - 1 && this.entries[i + 1]!.end <= offset) i++;
    if (i > 0) this.entries.splice(0, i);
  }
}
