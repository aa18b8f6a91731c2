import { chaosPlan, CHAOS_FAULT_KINDS, describeChaosPlan } from './chaos-plan';

const REGIONS = ['us-east', 'us-west', 'eu'];

describe('chaosPlan', () => {
  it('is a pure function of the seed (a failing seed replays the same schedule)', () => {
    expect(chaosPlan(42, REGIONS)).toEqual(chaosPlan(42, REGIONS));
    expect(describeChaosPlan(chaosPlan(42, REGIONS))).toContain('seed 42');
    expect(chaosPlan(42, REGIONS)).not.toEqual(chaosPlan(43, REGIONS));
  });

  it('faults stay inside the workload window, in order, without overlapping', () => {
    for (let seed = 0; seed < 500; seed++) {
      const p = chaosPlan(seed, REGIONS, { workloadMs: 12_000, faults: 3 });
      let end = 0;
      for (const f of p.faults) {
        expect(f.atMs).toBeGreaterThanOrEqual(end);
        expect(f.durationMs).toBeGreaterThan(0);
        end = f.atMs + f.durationMs;
        expect(REGIONS).toContain(f.region);
        if (f.kind === 'link-delay') expect(f.peer).not.toBe(f.region);
      }
      expect(end).toBeLessThanOrEqual(12_000);
      expect(Math.abs(p.skew.skewMs)).toBeGreaterThanOrEqual(2000);
    }
  });

  it('over many seeds every kind of fault and every region is drawn', () => {
    const plans = Array.from({ length: 200 }, (_, s) => chaosPlan(s, REGIONS));
    const kinds = new Set(plans.flatMap((p) => p.faults.map((f) => f.kind)));
    const regions = new Set(plans.flatMap((p) => p.faults.map((f) => f.region)));
    expect([...kinds].sort()).toEqual([...CHAOS_FAULT_KINDS].sort());
    expect([...regions].sort()).toEqual([...REGIONS].sort());
  });
});
