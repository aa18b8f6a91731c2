import { recordTimestampBound } from './record-time';

/** A partition as ListOffsets-by-timestamp sees it: record timestamps by offset, from `low`. */
function log(ts: number[], low = 0) {
  let calls = 0;
  const offsetAt = async (t: number) => {
    calls++;
    let i = low;
    while (i < ts.length && ts[i]! < t) i++;
    return BigInt(i);
  };
  return { offsetAt, calls: () => calls };
}

describe('recordTimestampBound (dating a record the monitor never saw appended)', () => {
  it('finds the exact timestamp of a record minutes old, in about 2·log2(age) calls', async () => {
    const ts = Array.from({ length: 1000 }, (_, i) => 1_000_000 + i * 10);
    const l = log(ts);
    // Record 400 (t = 1 004 000) is looked up from a monitor started at t = 1 900 000.
    expect(await recordTimestampBound(l.offsetAt, 400n, { notAfterMs: 1_900_000 })).toBe(1_004_000);
    expect(l.calls()).toBeLessThan(60);
  });

  it('with timestamps out of order, answers the largest timestamp up to the offset (never a younger age)', async () => {
    const ts = [100, 500, 300, 200, 900];
    const l = log(ts);
    // Record 3 (t=200) follows record 1 (t=500); it was appended after record 1, so ≥ 500.
    expect(await recordTimestampBound(l.offsetAt, 3n, { notAfterMs: 10_000 })).toBe(500);
  });

  it('is undefined for a record no longer retained', async () => {
    const l = log([100, 200, 300, 400], 3);
    expect(await recordTimestampBound(l.offsetAt, 1n, { notAfterMs: 10_000 })).toBeUndefined();
  });

  it('answers notAfterMs when the record is that recent (the caller takes the first sample then)', async () => {
    const l = log([100, 200, 5000]);
    expect(await recordTimestampBound(l.offsetAt, 2n, { notAfterMs: 4000 })).toBe(4000);
  });
});
