import { OffsetHistory } from './history';

describe('OffsetHistory', () => {
  it('bounds when a record was acknowledged by the sample before the end moved past it', () => {
    const h = new OffsetHistory();
    h.observe(10n, 1000); // first sample: offsets 0..9 known at t=1000
    h.observe(10n, 1100); // no change
    h.observe(15n, 1200); // 10..14 acknowledged after t=1100
    h.observe(30n, 1300); // 15..29 after t=1200
    expect(h.firstSeen(9n)).toBe(1000);
    expect(h.firstSeen(10n)).toBe(1100);
    expect(h.firstSeen(14n)).toBe(1100);
    expect(h.firstSeen(15n)).toBe(1200);
    expect(h.firstSeen(30n)).toBeUndefined();
  });

  it('never under-reports an age: a record first seen in this sample is already one interval old at most', () => {
    const h = new OffsetHistory();
    h.observe(0n, 1000);
    h.observe(5n, 1050);
    expect(1050 - h.firstSeen(0n)!).toBe(50);
  });

  it('trims what no figure needs', () => {
    const h = new OffsetHistory();
    [10n, 20n, 30n, 40n].forEach((e, i) => h.observe(e, i * 100));
    h.trimBelow(25n);
    expect(h.firstSeen(25n)).toBe(100);
    expect(h.firstSeen(35n)).toBe(200);
  });
});

describe('OffsetHistory in a long outage (issue 15, 6b)', () => {
  it('dates the oldest unmirrored record exactly however many end changes follow it', () => {
    // One new record per 100 ms sample for 50 000 samples (83 min): far more than any entry cap.
    const h = new OffsetHistory();
    h.observe(100n, 0); // offsets 0..99 present at the first sample
    for (let i = 1; i <= 50_000; i++) h.observe(100n + BigInt(i), i * 100);
    // Offset 100 was acknowledged after the first sample (t=0): its age at t=5 000 000 is 5 000 s,
    // not the ~33 min a 20 000-entry window that drops the oldest entries would give.
    expect(h.firstSeen(100n)).toBe(0);
    expect(h.size).toBeLessThanOrEqual(4096);
  });

  it('merging never dates a record later than it was seen (ages stay upper bounds)', () => {
    const h = new OffsetHistory(8);
    h.observe(0n, 0);
    const truth = new Map<bigint, number>();
    for (let i = 1; i <= 100; i++) {
      truth.set(BigInt(i - 1), (i - 1) * 10); // offset i−1 appeared after the sample at (i−1)·10
      h.observe(BigInt(i), i * 10);
    }
    for (const [offset, after] of truth) expect(h.firstSeen(offset)!).toBeLessThanOrEqual(after);
    expect(h.size).toBeLessThanOrEqual(8);
  });

  it('marks what was already in the log at the first sample as undated', () => {
    const h = new OffsetHistory();
    h.observe(10n, 1000);
    h.observe(12n, 1100);
    expect(h.isUndated(9n)).toBe(true);
    expect(h.isUndated(10n)).toBe(false);
    expect(h.startedMs).toBe(1000);
  });

  it('starts over when the end goes back (topic recreated)', () => {
    const h = new OffsetHistory();
    h.observe(50n, 0);
    h.observe(60n, 100);
    h.observe(3n, 200);
    h.observe(5n, 300);
    expect(h.end).toBe(5n);
    expect(h.firstSeen(3n)).toBe(200);
    expect(h.isUndated(2n)).toBe(true);
  });
});
