import { mulberry32 } from '@meridian/random';
import { flowAtRisk, TailIndex, type TailRecord } from './at-risk';
import type { FlowFigures, PartitionFigures } from './figures';

const T = 'meridian.profile';

function figures(parts: { partition: number; mirroredEnd: number; sourceEnd: number }[]): FlowFigures {
  const partitions: PartitionFigures[] = parts.map((p) => ({
    topic: T,
    partition: p.partition,
    sourceEnd: String(p.sourceEnd),
    mirroredEnd: String(p.mirroredEnd),
    mappedEnd: String(p.mirroredEnd),
    rpoRecords: p.sourceEnd - p.mirroredEnd,
    rpoMs: 0,
    rpoDating: 'samples',
    drained: false,
  }));
  return {
    source: 'us-east',
    target: 'us-west',
    rpoRecords: partitions.reduce((s, p) => s + p.rpoRecords, 0),
    rpoRecordsAtLeast: false,
    rpoMs: 0,
    rpoTargetMs: 100,
    withinTarget: false,
    drained: false,
    stale: false,
    measured: true,
    updatedAtMs: 0,
    partitions,
  };
}

const rec = (offset: number, aggregateId: string, timestampMs: number, tenant?: string): TailRecord => ({
  offset: BigInt(offset),
  aggregateId,
  timestampMs,
  ...(tenant ? { tenant } : {}),
});

describe('aggregates at risk', () => {
  it('names exactly the aggregates past the mirrored end, with their counts and newest times', () => {
    const index = new TailIndex();
    index.add(T, 0, 0n, [
      rec(0, 'a', 10),
      rec(1, 'b', 11),
      rec(2, 'a', 12),
      rec(3, 'c', 13),
      rec(4, 'a', 14),
    ]);
    index.add(T, 1, 0n, [rec(0, 'd', 20), rec(1, 'd', 21)]);
    const r = flowAtRisk(
      figures([
        { partition: 0, mirroredEnd: 2, sourceEnd: 5 },
        { partition: 1, mirroredEnd: 2, sourceEnd: 2 },
      ]),
      index,
    );
    expect(r.aggregates.map((a) => [a.aggregateId, a.events, a.oldestMs, a.newestMs])).toEqual([
      ['a', 2, 12, 14],
      ['c', 1, 13, 13],
    ]);
    expect([r.rpoRecords, r.attributed, r.unattributed]).toEqual([3, 3, 0]);
  });

  it('counts what offsets prove at risk but the index never read as unattributed (a dead source)', () => {
    const index = new TailIndex();
    // The follower read up to offset 3; the source acknowledged up to 7 before it died.
    index.add(T, 0, 0n, [rec(0, 'a', 1), rec(1, 'a', 2), rec(2, 'b', 3)]);
    const r = flowAtRisk(figures([{ partition: 0, mirroredEnd: 1, sourceEnd: 7 }]), index);
    expect(r.attributed).toBe(2);
    expect(r.unattributed).toBe(4);
    expect(r.attributed + r.unattributed).toBe(r.rpoRecords);
  });

  it('counts records shed over the cap as unattributed, never as safe', () => {
    const index = new TailIndex(3);
    index.add(T, 0, 0n, [rec(0, 'a', 1), rec(1, 'b', 2), rec(2, 'c', 3), rec(3, 'd', 4), rec(4, 'e', 5)]);
    const r = flowAtRisk(figures([{ partition: 0, mirroredEnd: 0, sourceEnd: 5 }]), index);
    expect(r.aggregates.map((a) => a.aggregateId).sort()).toEqual(['c', 'd', 'e']);
    expect(r.unattributed).toBe(2);
  });

  it('groups by tenant when events carry one', () => {
    const index = new TailIndex();
    index.add(T, 0, 0n, [
      rec(0, 'a', 1, 't1'),
      rec(1, 'b', 5, 't1'),
      rec(2, 'c', 3, 't2'),
      rec(3, 'b', 7, 't1'),
    ]);
    const r = flowAtRisk(figures([{ partition: 0, mirroredEnd: 0, sourceEnd: 4 }]), index);
    expect(r.tenants.sort((x, y) => (x.tenant < y.tenant ? -1 : 1))).toEqual([
      { tenant: 't1', aggregates: 2, events: 3, newestMs: 7 },
      { tenant: 't2', aggregates: 1, events: 1, newestMs: 3 },
    ]);
  });

  const seed = Number(process.env.SEED ?? Date.now() % 100_000);
  it(`pruning below what every target holds keeps the report exact (seed ${seed}; SEED= replays)`, () => {
    const rnd = mulberry32(seed);
    const index = new TailIndex();
    const all: TailRecord[] = [];
    let mirrored = 0;
    for (let step = 0; step < 200; step++) {
      const n = Math.floor(rnd() * 20);
      const batch = Array.from({ length: n }, (_, i) =>
        rec(all.length + i, `agg-${Math.floor(rnd() * 7)}`, all.length + i),
      );
      index.add(T, 0, 0n, batch);
      all.push(...batch);
      mirrored = Math.min(all.length, mirrored + Math.floor(rnd() * 15));
      // A second target lags by up to 5: the prune floor is the lower of the two.
      const other = Math.max(0, mirrored - Math.floor(rnd() * 5));
      index.prune(T, 0, BigInt(Math.min(mirrored, other)));
      const r = flowAtRisk(figures([{ partition: 0, mirroredEnd: mirrored, sourceEnd: all.length }]), index);
      const expected = new Map<string, number>();
      for (const x of all.slice(mirrored))
        expected.set(x.aggregateId, (expected.get(x.aggregateId) ?? 0) + 1);
      const got = new Map(r.aggregates.map((a) => [a.aggregateId, a.events]));
      if (JSON.stringify([...got].sort()) !== JSON.stringify([...expected].sort()) || r.unattributed !== 0)
        throw new Error(
          `seed ${seed}, step ${step}: ${JSON.stringify([...got])} ≠ ${JSON.stringify([...expected])}`,
        );
    }
  });
});
