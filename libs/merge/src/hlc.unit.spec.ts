import fc from 'fast-check';
import {
  compareHlc,
  HlcSkewError,
  hlcFromFields,
  hlcFromString,
  hlcToFields,
  hlcToString,
  HybridLogicalClock,
  InvalidHlcError,
  MAX_LOGICAL,
  MergeError,
  type Hlc,
} from './index';
import { configureFastCheck } from './fc-support.spec-helper';

configureFastCheck(__filename);

function fakeClock(nodeId: string, startMs: number, maxForwardSkewMs = 1_000) {
  let wall = startMs;
  const clock = new HybridLogicalClock({ nodeId, wallClockMs: () => wall, maxForwardSkewMs });
  return { clock, set: (ms: number) => (wall = ms) };
}

const anyHlc: fc.Arbitrary<Hlc> = fc.record({
  wallMs: fc.maxSafeNat(),
  logical: fc.integer({ min: 0, max: MAX_LOGICAL }),
  nodeId: fc.stringMatching(/^[\x21-\x7e]{1,12}$/),
});

describe('hybrid logical clock', () => {
  it('now() is strictly increasing even when the wall clock goes backwards', () => {
    const { clock, set } = fakeClock('eu', 1_000);
    const a = clock.now();
    set(900); // NTP step backwards
    const b = clock.now();
    const c = clock.now();
    expect([a, b, c]).toEqual([
      { wallMs: 1_000, logical: 0, nodeId: 'eu' },
      { wallMs: 1_000, logical: 1, nodeId: 'eu' },
      { wallMs: 1_000, logical: 2, nodeId: 'eu' },
    ]);
    set(1_001);
    expect(clock.now()).toEqual({ wallMs: 1_001, logical: 0, nodeId: 'eu' });
  });

  it('receive() returns a stamp after both the local and the remote one', () => {
    const { clock } = fakeClock('eu', 1_000);
    clock.now();
    const remote = { wallMs: 1_500, logical: 7, nodeId: 'us' };
    const got = clock.receive(remote);
    expect(got).toEqual({ wallMs: 1_500, logical: 8, nodeId: 'eu' });
    expect(compareHlc(got, remote)).toBe(1);
    expect(clock.now()).toEqual({ wallMs: 1_500, logical: 9, nodeId: 'eu' });
  });

  it('rejects a remote stamp beyond maxForwardSkewMs with a typed error and does not adopt it', () => {
    const { clock } = fakeClock('eu', 10_000, 1_000);
    const before = clock.now();
    const tooFar = { wallMs: 11_001, logical: 0, nodeId: 'us' };
    let err: unknown;
    try {
      clock.receive(tooFar);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HlcSkewError);
    expect(err).toBeInstanceOf(MergeError);
    expect(err).toMatchObject({
      code: 'HLC_SKEW',
      retriable: true,
      remoteWallMs: 11_001,
      localWallMs: 10_000,
    });
    expect(clock.current()).toEqual(before);
    // Exactly at the bound is accepted.
    expect(clock.receive({ wallMs: 11_000, logical: 0, nodeId: 'us' }).wallMs).toBe(11_000);
  });

  it('orders by wallMs, then logical, then nodeId (UTF-16 code units)', () => {
    const h = (wallMs: number, logical: number, nodeId: string): Hlc => ({ wallMs, logical, nodeId });
    expect(compareHlc(h(1, 9, 'z'), h(2, 0, 'a'))).toBe(-1);
    expect(compareHlc(h(2, 1, 'a'), h(2, 0, 'z'))).toBe(1);
    expect(compareHlc(h(2, 0, 'Z'), h(2, 0, 'a'))).toBe(-1); // 'Z' (0x5A) < 'a' (0x61)
    expect(compareHlc(h(2, 0, 'eu'), h(2, 0, 'eu'))).toBe(0);
  });

  it('validates envelope fields', () => {
    expect(() => hlcFromFields({ wallMs: -1, logical: 0, nodeId: 'eu' })).toThrow(InvalidHlcError);
    expect(() => hlcFromFields({ wallMs: 1.5, logical: 0, nodeId: 'eu' })).toThrow(InvalidHlcError);
    expect(() => hlcFromFields({ wallMs: 1, logical: MAX_LOGICAL + 1, nodeId: 'eu' })).toThrow(
      InvalidHlcError,
    );
    expect(() => hlcFromFields({ wallMs: 1, logical: 0, nodeId: 'has space' })).toThrow(InvalidHlcError);
    expect(() => hlcFromFields({ wallMs: 1, logical: 0, nodeId: '' })).toThrow(InvalidHlcError);
  });

  it('throws a retriable error instead of overflowing the logical counter', () => {
    const { clock } = fakeClock('eu', 5);
    clock.restore({ wallMs: 5, logical: MAX_LOGICAL, nodeId: 'eu' });
    expect(() => clock.now()).toThrow(
      expect.objectContaining({ code: 'HLC_LOGICAL_OVERFLOW', retriable: true }),
    );
  });

  it('string form round-trips and sorts exactly like compareHlc', () => {
    fc.assert(
      fc.property(anyHlc, anyHlc, (a, b) => {
        expect(hlcFromString(hlcToString(a))).toEqual(a);
        expect(hlcFromFields(hlcToFields(a))).toEqual(a);
        const s = hlcToString(a) < hlcToString(b) ? -1 : hlcToString(a) > hlcToString(b) ? 1 : 0;
        expect(s).toBe(compareHlc(a, b));
      }),
    );
  });

  it('stamps from any interleaving of now/receive are strictly increasing per node', () => {
    const action = fc.record({
      node: fc.nat({ max: 2 }),
      kind: fc.constantFrom('now', 'recv', 'tick'),
      n: fc.nat(50),
    });
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        const clocks = ['a', 'b', 'c'].map((id) => fakeClock(id, 1_000, 1_000_000));
        const last: (Hlc | undefined)[] = [undefined, undefined, undefined];
        const sent: Hlc[] = [];
        for (const a of actions) {
          const c = clocks[a.node] as ReturnType<typeof fakeClock>;
          let stamp: Hlc;
          if (a.kind === 'tick') {
            c.set(1_000 + a.n * 3 - 50);
            continue;
          } else if (a.kind === 'now' || sent.length === 0) {
            stamp = c.clock.now();
            sent.push(stamp);
          } else {
            const remote = sent[a.n % sent.length] as Hlc;
            stamp = c.clock.receive(remote);
            expect(compareHlc(stamp, remote)).toBe(1);
          }
          const prev = last[a.node];
          if (prev) expect(compareHlc(stamp, prev)).toBe(1);
          last[a.node] = stamp;
        }
      }),
    );
  });
});
