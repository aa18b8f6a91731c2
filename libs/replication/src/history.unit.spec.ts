import { OffsetHistory } from './history';

describe('OffsetHistory', () => {
  it('answers when the first record beyond a point was seen', () => {
    const h = new OffsetHistory();
    h.observe(10n, 1000); // offsets 0..9 seen by t=1000
    h.observe(10n, 1100); // no change
    h.observe(15n, 1200); // offsets 10..14 seen by t=1200
    h.observe(30n, 1300);
    expect(h.firstSeen(9n)).toBe(1000);
    expect(h.firstSeen(10n)).toBe(1200);
    expect(h.firstSeen(14n)).toBe(1200);
    expect(h.firstSeen(15n)).toBe(1300);
    expect(h.firstSeen(30n)).toBeUndefined();
  });

  it('trims what no figure needs', () => {
    const h = new OffsetHistory();
    [10n, 20n, 30n, 40n].forEach((e, i) => h.observe(e, i * 100));
    h.trimBelow(25n);
    expect(h.firstSeen(25n)).toBe(200);
    expect(h.firstSeen(35n)).toBe(300);
  });
});
