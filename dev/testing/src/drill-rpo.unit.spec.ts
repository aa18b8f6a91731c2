import { type AckedWrite, lostWrites } from './drill-rpo';

const KILL = 10_000;
const w = (startMs: number, endMs: number, id: string, region = 'us-east'): AckedWrite => ({
  startMs,
  endMs,
  region,
  eventIds: [id],
});

describe('lostWrites (RPO of a failover drill)', () => {
  it('counts writes acknowledged after the kill timestamp: the span is not clamped to 0', () => {
    // The kill timestamp is taken before the kill begins; the victim acknowledges 5 more writes
    // while it runs, and those never reach the survivor.
    const acked = [
      w(9_900, 9_950, 'a'),
      ...[1, 2, 3, 4, 5].map((i) => w(KILL + i * 10, KILL + i * 10 + 8, `l${i}`)),
    ];
    const r = lostWrites({
      killedAtMs: KILL,
      victim: 'us-east',
      acknowledged: acked,
      present: new Set(['a']),
    });
    expect(r).toMatchObject({
      records: 5,
      writes: 5,
      fromMs: 10_010,
      firstAckMs: 10_018,
      failedAtMs: 10_058,
    });
    expect(r.spanMs).toBe(48); // first lost write's start → the victim's last acknowledgement
  });

  it('spans from the first lost write to the kill when the victim acknowledged nothing after it', () => {
    const acked = [w(8_000, 8_020, 'x'), w(9_000, 9_030, 'y'), w(9_500, 9_520, 'z')];
    const r = lostWrites({
      killedAtMs: KILL,
      victim: 'us-east',
      acknowledged: acked,
      present: new Set(['x']),
    });
    expect(r).toMatchObject({ records: 2, writes: 2, failedAtMs: KILL, spanMs: 1_000 });
  });

  it('is at least 1 ms for a single lost write acknowledged at the failure instant', () => {
    const r = lostWrites({
      killedAtMs: KILL,
      victim: 'us-east',
      acknowledged: [w(KILL + 5, KILL + 5, 'q')],
      present: new Set(),
    });
    expect(r).toMatchObject({ records: 1, spanMs: 1 });
  });

  it('ignores writes served by the survivor, and reports 0 only when nothing was lost', () => {
    const acked = [w(9_000, 9_010, 'a'), w(KILL + 100, KILL + 120, 'b', 'us-west')];
    const r = lostWrites({
      killedAtMs: KILL,
      victim: 'us-east',
      acknowledged: acked,
      present: new Set(['a']),
    });
    expect(r).toEqual({ records: 0, writes: 0, failedAtMs: KILL, spanMs: 0 });
  });

  it('counts the lost events of a write, not the write', () => {
    const r = lostWrites({
      killedAtMs: KILL,
      victim: 'us-east',
      acknowledged: [{ startMs: 9_990, endMs: 9_999, region: 'us-east', eventIds: ['e1', 'e2', 'e3'] }],
      present: new Set(['e2']),
    });
    expect(r).toMatchObject({ records: 2, writes: 1, spanMs: 10 });
  });
});
