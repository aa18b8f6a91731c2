/**
 * Dating a record from the log itself, for records the monitor's sampling cannot date (they were
 * already in the log at its first sample: a monitor restarted during a MirrorMaker 2 outage).
 *
 * Kafka's ListOffsets by timestamp answers `offsetAt(ts)`: the first offset whose record timestamp is
 * ≥ ts (the end offset if none). It is non-decreasing in ts, so the largest ts with
 * `offsetAt(ts) ≤ offset` is the largest timestamp among the records up to `offset` — call it T. Each
 * of those records was appended no later than `offset` itself, and a record's create time is no later
 * than its append (clocks in step; with LogAppendTime it is the append), so T ≤ the append time of
 * `offset`, and `now − T` over-reports its age, never under-reports it.
 */

/** The first offset of a partition whose record timestamp is ≥ `timestampMs` (or its end). */
export type OffsetAtTimestamp = (timestampMs: number) => Promise<bigint>;

export interface RecordTimeOptions {
  /** The record is known to be in the log at this time (the monitor's first sample): search below. */
  notAfterMs: number;
  /** First step back from `notAfterMs`; doubles until the record is bracketed. */
  firstStepMs?: number;
  /** Give up past this many ListOffsets calls (record no longer retained, or no timestamps). */
  maxCalls?: number;
}

/**
 * The largest record timestamp among offsets ≤ `offset`, to the millisecond, or `notAfterMs` if that
 * is already reached; undefined when no retained record at or below `offset` carries a timestamp
 * (deleted by retention: it can no longer be dated, nor mirrored). Exponential search back from
 * `notAfterMs`, then bisection: about 2·log2(age) calls.
 */
export async function recordTimestampBound(
  offsetAt: OffsetAtTimestamp,
  offset: bigint,
  o: RecordTimeOptions,
): Promise<number | undefined> {
  let calls = 0;
  const maxCalls = o.maxCalls ?? 120;
  const covers = async (ts: number) => {
    calls++;
    return (await offsetAt(ts)) <= offset;
  };
  if (await covers(o.notAfterMs)) return o.notAfterMs;
  let hi = o.notAfterMs; // offsetAt(hi) > offset
  let step = o.firstStepMs ?? 1000;
  let lo = Math.max(0, hi - step);
  for (;;) {
    if (calls >= maxCalls) return undefined;
    if (await covers(lo)) break;
    if (lo === 0) return undefined; // nothing at or below `offset` carries a timestamp ≥ 0
    hi = lo;
    step *= 2;
    lo = Math.max(0, o.notAfterMs - step);
  }
  // offsetAt(lo) ≤ offset < offsetAt(hi): T is in [lo, hi).
  while (hi - lo > 1) {
    if (calls >= maxCalls) return lo; // still a bound on the safe side (older)
    const mid = lo + Math.floor((hi - lo) / 2);
    if (await covers(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
