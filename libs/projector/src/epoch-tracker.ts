/**
 * Detects events written under a superseded write leadership (Phase A): fed the `writerEpoch` and
 * `originRegion` of each event in log order, per stream (a partition of a source topic), it flags an
 * event whose epoch is lower than the highest epoch already seen on that stream — written by a
 * region that had been fenced or replaced by then. Pure: no etcd, no I/O (projectors use it).
 */
export interface EpochObservation {
  stale: boolean;
  /** Highest epoch seen on the stream, this event included. */
  highest: number;
}

export interface EpochTrackerStats {
  events: number;
  stale: number;
  /** Stale events by origin region. */
  staleByOrigin: Record<string, number>;
}

/** The highest writer epoch seen per origin region; counts events written under an epoch already superseded. */
export class EpochTracker {
  private readonly highest = new Map<string, number>();
  private events = 0;
  private staleCount = 0;
  private readonly staleByOrigin = new Map<string, number>();

  /** Feeds one event; `stream` names its log (e.g. `topic:partition`), default one stream. */
  observe(writerEpoch: number, originRegion: string, stream = ''): EpochObservation {
    if (!Number.isInteger(writerEpoch) || writerEpoch < 0) {
      throw new RangeError(`writerEpoch must be a non-negative integer, got ${writerEpoch}`);
    }
    this.events++;
    const before = this.highest.get(stream);
    if (before !== undefined && writerEpoch < before) {
      this.staleCount++;
      this.staleByOrigin.set(originRegion, (this.staleByOrigin.get(originRegion) ?? 0) + 1);
      return { stale: true, highest: before };
    }
    this.highest.set(stream, writerEpoch);
    return { stale: false, highest: writerEpoch };
  }

  /** Highest epoch seen on a stream (undefined before its first event). */
  highestOf(stream = ''): number | undefined {
    return this.highest.get(stream);
  }

  stats(): EpochTrackerStats {
    return {
      events: this.events,
      stale: this.staleCount,
      staleByOrigin: Object.fromEntries(this.staleByOrigin),
    };
  }
}
