/**
 * When each offset of a partition was first seen acknowledged. The monitor samples log-end offsets
 * every `sampleIntervalMs`; an entry is added whenever the end moves, so "the oldest record not yet
 * mirrored was acknowledged at or before t" is read from the first entry past the mirrored point.
 * Error bound: one sample interval (the record may have been acknowledged up to one interval earlier).
 */
export class OffsetHistory {
  private entries: { end: bigint; seenAtMs: number }[] = [];
  private lastEnd = -1n;

  constructor(private readonly maxEntries = 20_000) {}

  /** Records a sampled log-end offset. */
  observe(end: bigint, atMs: number): void {
    if (end <= this.lastEnd) return;
    this.entries.push({ end, seenAtMs: atMs });
    this.lastEnd = end;
    if (this.entries.length > this.maxEntries) this.entries.splice(0, this.entries.length - this.maxEntries);
  }

  get end(): bigint {
    return this.lastEnd;
  }

  /**
   * When the record at `offset` (the first not yet mirrored/applied) was first seen: the time of the
   * first sample whose end was beyond it. Undefined if nothing beyond it was ever seen.
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
    return this.entries[lo]?.seenAtMs;
  }

  /** Forgets entries no figure needs any more (all offsets at or below `offset` are done). */
  trimBelow(offset: bigint): void {
    let i = 0;
    while (i < this.entries.length - 1 && this.entries[i + 1]!.end <= offset) i++;
    if (i > 0) this.entries.splice(0, i);
  }
}
