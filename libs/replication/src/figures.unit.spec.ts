import {
  drainVerdict,
  flowFigures,
  type FlowInput,
  type PartitionInput,
  replicationLatency,
} from './figures';
import { OffsetHistory } from './history';

const TARGET = 60_000;
const T0 = 10_000_000;

/** A source partition sampled at T0 with `end` records, then every 100 ms up to `ends` (offset → t). */
function history(startEnd: number, later: [end: number, atMs: number][] = []): OffsetHistory {
  const h = new OffsetHistory();
  h.observe(BigInt(startEnd), T0);
  for (const [end, at] of later) h.observe(BigInt(end), at);
  return h;
}

function partition(over: Partial<PartitionInput> & { source: OffsetHistory }): PartitionInput {
  return { topic: 'meridian.t', partition: 0, sourceStart: 0n, ...over };
}

/** Flow a → b, both regions answering at `now`, one partition. */
function given(p: PartitionInput, over: Partial<FlowInput> = {}): FlowInput {
  return {
    source: 'a',
    target: 'b',
    rpoTargetMs: TARGET,
    sourceRegion: { reachable: true, lastSampleMs: T0 },
    targetRegion: { reachable: true, lastSampleMs: T0 },
    partitions: [p],
    heartbeatFreshMs: 3000,
    ...over,
  };
}

const sync = (u: number, d: number) => ({
  topic: 'meridian.t',
  partition: 0,
  upstreamOffset: BigInt(u),
  downstreamOffset: BigInt(d),
});

describe('flowFigures: a backlog older than the monitor (6a)', () => {
  it('is never within target while it cannot be dated, even 1 s after start', () => {
    // 20 records at the first sample, 10 mirrored (sync 9 ↔ 9), no record timestamp yet.
    const p = partition({ source: history(20), mirrorEnd: 10n, sync: sync(9, 9) });
    const f = flowFigures(given(p), T0 + 1000);
    expect(f).toMatchObject({ rpoRecords: 10, rpoMs: 1000, withinTarget: false });
    expect(f.partitions[0]!.rpoDating).toBe('undated');
  });

  it("is dated from the oldest unmirrored record's own timestamp", () => {
    const p = partition({
      source: history(20),
      mirrorEnd: 10n,
      sync: sync(9, 9),
      recordTime: { offset: 10n, timestampMs: T0 - 300_000 },
    });
    const f = flowFigures(given(p), T0 + 1000);
    expect(f).toMatchObject({ rpoRecords: 10, rpoMs: 301_000, withinTarget: false });
    expect(f.partitions[0]!.rpoDating).toBe('record-timestamp');
  });

  it('ignores a timestamp looked up for a higher offset (it could be younger)', () => {
    const p = partition({
      source: history(20),
      mirrorEnd: 10n,
      sync: sync(9, 9),
      recordTime: { offset: 15n, timestampMs: T0 - 300_000 },
    });
    expect(flowFigures(given(p), T0 + 1000).partitions[0]!.rpoDating).toBe('undated');
  });

  it('dates by samples what the monitor saw appended', () => {
    const p = partition({ source: history(10, [[15, T0 + 100]]), mirrorEnd: 10n, sync: sync(9, 9) });
    const f = flowFigures(given(p), T0 + 500);
    expect(f).toMatchObject({ rpoRecords: 5, rpoMs: 500, withinTarget: true });
  });
});

describe('flowFigures: a stale flow keeps ageing (6c)', () => {
  it('a dead source with nothing known at risk is not within target, and ages from its last sample', () => {
    const p = partition({ source: history(10), mirrorEnd: 10n, sync: sync(9, 9) });
    const f = flowFigures(
      given(p, { sourceRegion: { reachable: false, unreachableSinceMs: T0 + 100, lastSampleMs: T0 } }),
      T0 + 30_100,
    );
    expect(f).toMatchObject({
      stale: true,
      staleForMs: 30_000,
      rpoRecords: 0,
      rpoRecordsAtLeast: true,
      rpoMs: 30_100,
      withinTarget: false,
      drained: false,
    });
  });

  it('a dead target still counts what the source acknowledged since', () => {
    const source = history(10, [[25, T0 + 5000]]);
    const p = partition({ source, mirrorEnd: 10n, sync: sync(9, 9) });
    const f = flowFigures(
      given(p, { targetRegion: { reachable: false, unreachableSinceMs: T0 + 100, lastSampleMs: T0 } }),
      T0 + 20_000,
    );
    expect(f).toMatchObject({ stale: true, rpoRecords: 15, rpoRecordsAtLeast: false, rpoMs: 20_000 });
    expect(f.withinTarget).toBe(false);
  });
});

describe('flowFigures: drain on the offset mapping, not on counts (6d)', () => {
  it('after an MM2 restart, duplicates make the count say 0 but the mapping says not drained', () => {
    // Source 0..14 acknowledged. MM2 had mirrored 0..9 (sync 9 ↔ 9), restarted from 5 and re-mirrored
    // 5..9 as downstream 10..14: the copy ends at 15, 10..14 of the source are not in it.
    const p = partition({ source: history(15), mirrorEnd: 15n, sync: sync(9, 9) });
    const f = flowFigures(given(p), T0 + 100);
    expect(f.rpoRecords).toBe(0); // the count is fooled
    expect(f.drained).toBe(false);
    expect(f.partitions[0]!.mappedEnd).toBe('10');
    expect(drainVerdict(f)).toMatchObject({ drained: false });
  });

  it('drains once an offset-sync maps the last acknowledged record', () => {
    const p = partition({ source: history(15), mirrorEnd: 20n, sync: sync(14, 19) });
    const f = flowFigures(given(p), T0 + 100);
    expect(f.drained).toBe(true);
    expect(drainVerdict(f).drained).toBe(true);
  });

  it('does not wait for records gone by retention', () => {
    const p = partition({ source: history(15), sourceStart: 15n, mirrorEnd: 10n, sync: sync(9, 9) });
    expect(flowFigures(given(p), T0 + 100).drained).toBe(true);
  });

  it('is never drained while stale', () => {
    const p = partition({ source: history(15), mirrorEnd: 20n, sync: sync(14, 19) });
    const f = flowFigures(given(p, { targetRegion: { reachable: false, unreachableSinceMs: T0 } }), T0 + 100);
    expect(f.drained).toBe(false);
    expect(drainVerdict(f).drained).toBe(false);
  });
});

describe('replicationLatency: only from heartbeats that still arrive (6e)', () => {
  it('reports latency while heartbeats arrive', () => {
    expect(replicationLatency({ timestampMs: 950, arrivedAtMs: 1000 }, 1500, 3000)).toEqual({
      replicationLatencyMs: 50,
      heartbeatAgeMs: 550,
    });
  });

  it('reports no latency, and a growing heartbeat age, once they stop (partitioned flow)', () => {
    expect(replicationLatency({ timestampMs: 950, arrivedAtMs: 1000 }, 11_000, 3000)).toEqual({
      heartbeatAgeMs: 10_050,
    });
    const p = partition({ source: history(10), mirrorEnd: 10n, sync: sync(9, 9) });
    const f = flowFigures(given(p, { heartbeat: { timestampMs: T0 - 50, arrivedAtMs: T0 } }), T0 + 10_000);
    expect(f.replicationLatencyMs).toBeUndefined();
    expect(f.heartbeatAgeMs).toBe(10_050);
  });
});
