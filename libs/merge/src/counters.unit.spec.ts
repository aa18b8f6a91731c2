import fc from 'fast-check';
import {
  CounterOverflowError,
  gcIncrement,
  gcMerge,
  gcValue,
  pnDecrement,
  pnEmpty,
  pnIncrement,
  pnMerge,
  pnValue,
  type GCounter,
  type PnCounter,
} from './index';
import { configureFastCheck, describeMergeLaws, reachableStates } from './fc-support.spec-helper';

configureFastCheck(__filename);

const nodes = ['eu-west', 'us-east', 'ap-south'];
const pnOpArb = fc.record({ up: fc.boolean(), by: fc.integer({ min: 0, max: 5 }) });
type PnOp = { up: boolean; by: number };
const pnUpdate = (s: PnCounter, op: PnOp, r: number): PnCounter =>
  op.up ? pnIncrement(s, nodes[r] as string, op.by) : pnDecrement(s, nodes[r] as string, op.by);

describe('G-counter and PN-counter', () => {
  it('merge is the pointwise max; value is the exact sum', () => {
    const eu = gcIncrement(gcIncrement({}, 'eu', 3), 'eu', 2); // eu's total: 5
    const us = gcIncrement({}, 'us', 4);
    const euSeenByUs = gcMerge(us, gcIncrement({}, 'eu', 3)); // us has only seen eu's first increment
    expect(gcMerge(eu, euSeenByUs)).toEqual({ eu: 5, us: 4 });
    expect(gcValue(gcMerge(eu, euSeenByUs))).toBe(9);
  });

  it('PN-counter value is increments minus decrements', () => {
    const c = pnDecrement(pnIncrement(pnEmpty(), 'eu', 10), 'us', 3);
    expect(pnValue(c)).toBe(7);
    expect(pnValue(pnMerge(c, pnIncrement(pnEmpty(), 'us', 1)))).toBe(8);
  });

  it('refuses to return an inexact value', () => {
    const c: GCounter = { eu: Number.MAX_SAFE_INTEGER, us: 1 };
    expect(() => gcValue(c)).toThrow(CounterOverflowError);
  });

  it('value after merging all replicas equals the sum of all increments', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 2 }), pnOpArb), { maxLength: 30 }), (ops) => {
        const replicas = ops.reduce<PnCounter[]>(
          (rs, [r, op]) => rs.map((s, i) => (i === r ? pnUpdate(s, op, r) : s)),
          [pnEmpty(), pnEmpty(), pnEmpty()],
        );
        const expected = ops.reduce((sum, [, op]) => sum + (op.up ? op.by : -op.by), 0);
        return pnValue(replicas.reduce(pnMerge)) === expected;
      }),
    );
  });

  describe('G-counter laws', () => {
    describeMergeLaws(
      reachableStates<GCounter, number>(
        fc.integer({ min: 0, max: 5 }),
        {},
        (s, by, r) => gcIncrement(s, nodes[r] as string, by),
        gcMerge,
      ),
      gcMerge,
    );
  });

  describe('PN-counter laws', () => {
    describeMergeLaws(reachableStates<PnCounter, PnOp>(pnOpArb, pnEmpty(), pnUpdate, pnMerge), pnMerge);
  });
});
