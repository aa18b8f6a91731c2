/**
 * What a failover drill lost, as a pure function of the writes the clients saw acknowledged and the
 * events the survivor holds (issue 15, item 7).
 *
 * - Lost: events of writes the victim acknowledged (HTTP 200, routed to it) that the survivor's copy
 *   of its topic does not hold after the mirror grace period.
 * - The failure instant: the later of the kill's start and the victim's last acknowledgement — a
 *   region that still acknowledged a write had not failed yet. (The kill timestamp alone is taken
 *   before the kill begins: writes acknowledged while it runs are after it.)
 * - RPO in time: from the start of the first lost write — the broker acknowledged its record no
 *   earlier than that — to the failure instant. It is the span of acknowledged history that was lost,
 *   an upper bound by at most that one write's round trip, and never 0 when records were lost.
 */
export interface AckedWrite {
  readonly startMs: number;
  readonly endMs: number;
  readonly region?: string;
  readonly eventIds: readonly string[];
}

export interface LostWrites {
  /** Lost events (records). */
  records: number;
  /** Writes with at least one lost event. */
  writes: number;
  /** Start of the first lost write (undefined when nothing was lost). */
  fromMs?: number;
  /** Acknowledgement of the first lost write (the span from here is the lower bound). */
  firstAckMs?: number;
  /** The failure instant: max(kill start, the victim's last acknowledgement). */
  failedAtMs: number;
  /** failedAtMs − fromMs, at least 1 ms when records were lost; 0 only when none were. */
  spanMs: number;
}

export function lostWrites(o: {
  killedAtMs: number;
  victim: string;
  /** Writes the clients saw acknowledged (HTTP 200). */
  acknowledged: readonly AckedWrite[];
  /** Event ids the survivor holds. */
  present: ReadonlySet<string>;
}): LostWrites {
  const byVictim = o.acknowledged.filter((w) => w.region === o.victim);
  const failedAtMs = byVictim.reduce((m, w) => Math.max(m, w.endMs), o.killedAtMs);
  const lost = byVictim.filter((w) => w.eventIds.some((e) => !o.present.has(e)));
  const records = lost.reduce((n, w) => n + w.eventIds.filter((e) => !o.present.has(e)).length, 0);
  if (lost.length === 0) return { records: 0, writes: 0, failedAtMs, spanMs: 0 };
  const fromMs = Math.min(...lost.map((w) => w.startMs));
  return {
    records,
    writes: lost.length,
    fromMs,
    firstAckMs: Math.min(...lost.map((w) => w.endMs)),
    failedAtMs,
    spanMs: Math.max(1, failedAtMs - fromMs),
  };
}
