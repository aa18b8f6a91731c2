import type { OffsetHistory } from './history';
import type { OffsetSync } from './mm2-formats';

/**
 * The monitor's decisions as pure functions of what it sampled and the time: RPO in records and
 * time, drain, staleness, replication latency. The kafkajs adapter (`monitor.ts`) only samples.
 * Every figure errs on the side of more data at risk, never less.
 */

/** How `rpoMs` of a partition was dated. */
export type RpoDating =
  /** From the monitor's own end-offset samples: an upper bound (at most one sample interval over). */
  | 'samples'
  /** The record predates the monitor's first sample: from the records' own timestamps (upper bound). */
  | 'record-timestamp'
  /** Predates the first sample and its timestamp could not be read: `rpoMs` is a LOWER bound. */
  | 'undated';

export interface PartitionFigures {
  topic: string;
  partition: number;
  /** Source log-end offset (acknowledged records; replication factor 1 here: HW = LEO). */
  sourceEnd: string;
  /** Next source offset not yet present in the target (from MM2's offset-syncs + the mirror's end). */
  mirroredEnd: string;
  /**
   * Next source offset MirrorMaker 2's own latest offset-sync proves is in the target (≤ mirroredEnd).
   * Duplicates after an MM2 restart inflate the mirror's end, not this: the drain waits on it.
   */
  mappedEnd: string;
  rpoRecords: number;
  rpoMs: number;
  rpoDating: RpoDating;
  /** Every acknowledged record (above the log start) is covered by the offset mapping. */
  drained: boolean;
  /** Mirrored into the target but not yet applied by its projector. */
  projectionLagRecords?: number;
  projectionLagMs?: number;
}

export interface FlowFigures {
  source: string;
  target: string;
  rpoRecords: number;
  /**
   * The source does not answer: it may have acknowledged more than `rpoRecords` since its last sample
   * (and `rpoMs` then covers them: it is at least now − that sample).
   */
  rpoRecordsAtLeast: boolean;
  rpoMs: number;
  rpoTargetMs: number;
  /** Fresh, every backlog dated, and `rpoMs` ≤ the target. Never true for a stale flow. */
  withinTarget: boolean;
  /** Fresh and every partition drained on MM2's offset mapping: nothing of the source left to mirror. */
  drained: boolean;
  projectionLagRecords?: number;
  projectionLagMs?: number;
  /**
   * Arrival − timestamp of the newest mirrored heartbeat of `source` in `target`, only while
   * heartbeats arrive (one within `heartbeatFreshMs`); absent otherwise (see `heartbeatAgeMs`).
   */
  replicationLatencyMs?: number;
  /** Now − the timestamp of the newest mirrored heartbeat: keeps growing when heartbeats stop. */
  heartbeatAgeMs?: number;
  /**
   * The source or target region does not answer. The figures keep being computed from what was last
   * sampled of it (so they keep ageing) and what the other region still reports.
   */
  stale: boolean;
  staleForMs?: number;
  /**
   * Both regions have been sampled at least once. Until then (a monitor just started, a region down
   * since before) the flow is stale and its figures are not measurements: `rpoRecords`/`rpoMs` 0 say
   * nothing was counted, not that nothing is at risk.
   */
  measured: boolean;
  updatedAtMs: number;
  partitions: PartitionFigures[];
}

export interface RegionSampling {
  reachable: boolean;
  /** Since when it has not answered (when not reachable). */
  unreachableSinceMs?: number;
  /** When it last answered a sample. */
  lastSampleMs?: number;
}

export interface PartitionInput {
  topic: string;
  partition: number;
  /** The source partition's end-offset history; its `end` is the acknowledged log end. */
  source: OffsetHistory;
  /** Source log start (records below it are gone by retention: neither mirrorable nor at risk). */
  sourceStart: bigint;
  /** End offset of the remote copy in the target; undefined if not sampled yet. */
  mirrorEnd?: bigint;
  /** MM2's latest offset-sync for this partition in the target. */
  sync?: OffsetSync;
  /** `timestampMs` bounds the source record at `offset` (see `record-time.ts`). */
  recordTime?: { offset: bigint; timestampMs: number };
  /** The target projector's next offset in the remote copy, and the remote copy's history. */
  projection?: { applied: bigint; mirror: OffsetHistory };
  /**
   * Source offsets from `offset` on are certainly not in the target: their timestamps are newer than
   * every record of the remote copy when it ended at `mirrorEnd` (see `boundStillMirrors` in
   * the monitor). Valid only while the remote copy still ends there.
   */
  timestampBound?: { offset: bigint; mirrorEnd: bigint };
}

export interface FlowInput {
  source: string;
  target: string;
  rpoTargetMs: number;
  sourceRegion: RegionSampling;
  targetRegion: RegionSampling;
  partitions: readonly PartitionInput[];
  heartbeat?: { timestampMs: number; arrivedAtMs: number };
  /** A heartbeat that arrived longer ago than this is not a latency any more. */
  heartbeatFreshMs: number;
}

/**
 * Next upstream offset not in the target, by count: the last offset-sync pins (upstream u ↔
 * downstream d); records after it were appended in order, one downstream offset each, so the mirror
 * holds upstream offsets up to u + (mirrorEnd − 1 − d). Without a sync yet, the mirror started at the
 * source's first offset. Duplicates (MM2 restart) inflate it until MM2 writes the next sync.
 */
export function mirroredEnd(sourceEnd: bigint, mirrorEnd: bigint | undefined, sync?: OffsetSync): bigint {
  const down = mirrorEnd ?? 0n;
  let m = sync ? sync.upstreamOffset + 1n + (down - sync.downstreamOffset - 1n) : down;
  if (m > sourceEnd) m = sourceEnd;
  if (m < 0n) m = 0n;
  return m;
}

/**
 * Next upstream offset MM2's own mapping proves mirrored: u + 1 for the latest sync (u ↔ d), which
 * MM2 writes only after the record at d was acknowledged by the target — and only if the target's
 * copy still reaches past d. MM2 writes a sync at least every `offset.flush.interval.ms` for the last
 * record mirrored, so a quiet flow's mapping reaches its end.
 */
export function mappedEnd(mirrorEnd: bigint | undefined, sync?: OffsetSync): bigint {
  if (!sync || mirrorEnd === undefined || mirrorEnd <= sync.downstreamOffset) return 0n;
  return sync.upstreamOffset + 1n;
}

/**
 * The mirrored end the figures use: the count (`mirroredEnd`), lowered to the timestamp bound while
 * it is valid. The count takes MirrorMaker 2's duplicates (re-sent after a restart) for progress;
 * the bound cannot be inflated by them, because a duplicate carries an old timestamp.
 */
export function mirroredUpTo(p: PartitionInput): bigint {
  const m = mirroredEnd(p.source.end, p.mirrorEnd, p.sync);
  const b = p.timestampBound;
  if (b === undefined || p.mirrorEnd !== b.mirrorEnd || b.offset >= m) return m;
  return b.offset < 0n ? 0n : b.offset;
}

export function partitionFigures(p: PartitionInput, now: number): PartitionFigures {
  const sourceEnd = p.source.end;
  const mirrored = mirroredUpTo(p);
  const mapped = mappedEnd(p.mirrorEnd, p.sync);
  const rpoRecords = Number(sourceEnd - mirrored);
  let rpoMs = 0;
  let rpoDating: RpoDating = 'samples';
  if (rpoRecords > 0) {
    let oldest: number;
    if (p.source.isUndated(mirrored)) {
      // Acknowledged before the first sample: at least now − that sample old. A record timestamp
      // bound for an offset at or below `mirrored` is at most its append time: older, so safe.
      if (p.recordTime && p.recordTime.offset <= mirrored) {
        oldest = Math.min(p.recordTime.timestampMs, p.source.startedMs);
        rpoDating = 'record-timestamp';
      } else {
        oldest = p.source.startedMs;
        rpoDating = 'undated';
      }
    } else oldest = p.source.firstSeen(mirrored) ?? p.source.startedMs;
    rpoMs = Math.max(0, now - oldest);
  }
  const floor = mapped > p.sourceStart ? mapped : p.sourceStart;
  const fig: PartitionFigures = {
    topic: p.topic,
    partition: p.partition,
    sourceEnd: sourceEnd.toString(),
    mirroredEnd: mirrored.toString(),
    mappedEnd: mapped.toString(),
    rpoRecords,
    rpoMs,
    rpoDating,
    drained: sourceEnd <= floor,
  };
  if (p.projection) {
    const down = p.mirrorEnd ?? 0n;
    const next = p.projection.applied;
    const lag = down > next ? Number(down - next) : 0;
    const since = lag > 0 ? p.projection.mirror.firstSeen(next) : undefined;
    fig.projectionLagRecords = lag;
    fig.projectionLagMs = since === undefined ? 0 : Math.max(0, now - since);
  }
  return fig;
}

/** Latency only from a heartbeat that arrived recently; the heartbeat's age always. */
export function replicationLatency(
  hb: { timestampMs: number; arrivedAtMs: number } | undefined,
  now: number,
  freshMs: number,
): { replicationLatencyMs?: number; heartbeatAgeMs?: number } {
  if (!hb) return {};
  const heartbeatAgeMs = Math.max(0, now - hb.timestampMs);
  return now - hb.arrivedAtMs <= freshMs
    ? { replicationLatencyMs: hb.arrivedAtMs - hb.timestampMs, heartbeatAgeMs }
    : { heartbeatAgeMs };
}

export function flowFigures(f: FlowInput, now: number): FlowFigures {
  const partitions = f.partitions
    .map((p) => partitionFigures(p, now))
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  const rpoRecords = partitions.reduce((s, p) => s + p.rpoRecords, 0);
  let rpoMs = partitions.reduce((m, p) => Math.max(m, p.rpoMs), 0);
  const src = f.sourceRegion;
  const dst = f.targetRegion;
  const stale = !src.reachable || !dst.reachable;
  // A silent source may have acknowledged records since its last sample that never left it: their
  // age is at most now − that sample, and it keeps growing.
  if (!src.reachable && src.lastSampleMs !== undefined) rpoMs = Math.max(rpoMs, now - src.lastSampleMs);
  const undated = partitions.some((p) => p.rpoDating === 'undated');
  const lagged = partitions.filter((p) => p.projectionLagRecords !== undefined);
  const since = [src, dst].filter((r) => !r.reachable).map((r) => r.unreachableSinceMs ?? now);
  return {
    source: f.source,
    target: f.target,
    rpoRecords,
    rpoRecordsAtLeast: !src.reachable,
    rpoMs,
    rpoTargetMs: f.rpoTargetMs,
    withinTarget: !stale && !undated && rpoMs <= f.rpoTargetMs,
    measured: src.lastSampleMs !== undefined && dst.lastSampleMs !== undefined,
    drained: !stale && partitions.every((p) => p.drained),
    ...(lagged.length > 0
      ? {
          projectionLagRecords: lagged.reduce((s, p) => s + (p.projectionLagRecords ?? 0), 0),
          projectionLagMs: lagged.reduce((m, p) => Math.max(m, p.projectionLagMs ?? 0), 0),
        }
      : {}),
    ...replicationLatency(f.heartbeat, now, f.heartbeatFreshMs),
    stale,
    ...(stale ? { staleForMs: now - Math.min(...since) } : {}),
    updatedAtMs: now,
    partitions,
  };
}

/**
 * The failover drain decision for flow old → new, from the monitor's JSON: drained only when the
 * flow is fresh and MM2's offset mapping covers every acknowledged record — never on counts, which
 * MM2's duplicates after a restart inflate. Shaped like `@meridian/quorum`'s `DrainResult`.
 */
export function drainVerdict(f: FlowFigures): { drained: boolean; detail: string } {
  const flow = `${f.source} → ${f.target}`;
  if (f.stale)
    return {
      drained: false,
      detail: `${flow} stale for ${f.staleForMs ?? '?'} ms: ${f.rpoRecordsAtLeast ? 'at least ' : ''}${f.rpoRecords} records (≤ ${f.rpoMs} ms) not known to be in ${f.target}`,
    };
  const behind = f.partitions.filter((p) => !p.drained);
  if (behind.length === 0)
    return { drained: true, detail: `${flow}: MirrorMaker 2's offset-syncs cover every acknowledged record` };
  const p = behind[0]!;
  return {
    drained: false,
    detail: `${flow}: ${behind.length} partition(s) not yet covered by an offset-sync (${p.topic}/${p.partition}: mapped to ${p.mappedEnd} of ${p.sourceEnd}); ${f.rpoRecords} records behind by count`,
  };
}
