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
