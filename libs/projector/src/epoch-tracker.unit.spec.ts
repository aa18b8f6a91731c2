import { EpochTracker } from './epoch-tracker';

describe('EpochTracker', () => {
  it('flags events whose epoch is below the highest already seen, per stream', () => {
    const t = new EpochTracker();
    expect(t.observe(1, 'us-east', 'p0')).toEqual({ stale: false, highest: 1 });
    expect(t.observe(1, 'us-east', 'p0')).toEqual({ stale: false, highest: 1 });
    expect(t.observe(2, 'us-west', 'p0')).toEqual({ stale: false, highest: 2 });
    // A late write of the fenced primary, after the new primary's first event:
    expect(t.observe(1, 'us-east', 'p0')).toEqual({ stale: true, highest: 2 });
    expect(t.observe(2, 'us-west', 'p0')).toEqual({ stale: false, highest: 2 });
    // Another partition has its own order.
    expect(t.observe(1, 'us-east', 'p1')).toEqual({ stale: false, highest: 1 });
    expect(t.highestOf('p0')).toBe(2);
    expect(t.highestOf('p9')).toBeUndefined();
    expect(t.stats()).toEqual({ events: 6, stale: 1, staleByOrigin: { 'us-east': 1 } });
  });

  it('is not fooled by epochs skipping ahead, and counts every stale event', () => {
    const t = new EpochTracker();
    t.observe(5, 'eu');
    expect(t.observe(3, 'us-east').stale).toBe(true);
    expect(t.observe(4, 'us-west').stale).toBe(true);
    expect(t.observe(5, 'eu').stale).toBe(false);
    expect(t.observe(9, 'us-east')).toEqual({ stale: false, highest: 9 });
    expect(t.stats()).toMatchObject({ stale: 2, staleByOrigin: { 'us-east': 1, 'us-west': 1 } });
  });

  it('rejects an epoch that is not a non-negative integer', () => {
    expect(() => new EpochTracker().observe(-1, 'eu')).toThrow(RangeError);
    expect(() => new EpochTracker().observe(1.5, 'eu')).toThrow(RangeError);
  });
});
