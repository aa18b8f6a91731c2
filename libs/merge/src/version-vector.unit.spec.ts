import fc from 'fast-check';
import {
  vvCompare,
  vvDominates,
  vvFrom,
  vvIncludes,
  vvIncrement,
  vvMerge,
  type VersionVector,
} from './index';
import { configureFastCheck, describeMergeLaws, nodeIdArb } from './fc-support.spec-helper';

configureFastCheck(__filename);

const vvArb: fc.Arbitrary<VersionVector> = fc
  .dictionary(nodeIdArb, fc.nat({ max: 4 }), { maxKeys: 3 })
  .map((d) => vvFrom(d));

describe('version vectors', () => {
  it('classifies causality', () => {
    // eu wrote 2 events, us has seen the first of them and written one of its own.
    expect(vvCompare({ eu: 1 }, { eu: 2 })).toBe('before');
    expect(vvCompare({ eu: 2, us: 1 }, { eu: 2 })).toBe('after');
    expect(vvCompare({ eu: 2 }, { eu: 2, us: 0 })).toBe('equal');
    expect(vvCompare({ eu: 2 }, { eu: 1, us: 1 })).toBe('concurrent');
  });

  it('answers "has node X seen event (X, seq)"', () => {
    const vv = vvIncrement(vvIncrement({}, 'eu'), 'eu');
    expect(vvIncludes(vv, 'eu', 2)).toBe(true);
    expect(vvIncludes(vv, 'eu', 3)).toBe(false);
    expect(vvIncludes(vv, 'us', 1)).toBe(false);
  });

  it('compare is antisymmetric and agrees with dominates', () => {
    const flip = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' } as const;
    fc.assert(
      fc.property(vvArb, vvArb, (a, b) => {
        const c = vvCompare(a, b);
        expect(vvCompare(b, a)).toBe(flip[c]);
        expect(vvDominates(a, b)).toBe(c === 'after' || c === 'equal');
        const m = vvMerge(a, b);
        expect(vvDominates(m, a) && vvDominates(m, b)).toBe(true);
      }),
    );
  });

  describeMergeLaws(fc.array(vvArb, { minLength: 1, maxLength: 8 }), vvMerge);
});
