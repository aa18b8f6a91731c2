import fc from 'fast-check';
import { ctxAdd, ctxHas, ctxHighWater, ctxMerge, ctxPending, type DotContext } from './index';
import { configureFastCheck, describeMergeLaws, nodeIdArb, same } from './fc-support.spec-helper';

configureFastCheck(__filename);

const dotArb = fc.tuple(nodeIdArb, fc.integer({ min: 1, max: 12 }));
const build = (dots: readonly [string, number][]): DotContext =>
  dots.reduce((c, [n, s]) => ctxAdd(c, n, s), {});

describe('dot context (bounded applied set)', () => {
  it('keeps a high-water mark plus exceptions, compacting as gaps fill', () => {
    let ctx = build([
      ['eu', 1],
      ['eu', 2],
      ['eu', 4],
      ['eu', 5],
      ['eu', 7],
    ]);
    expect(ctx).toEqual({ eu: { hw: 2, ex: [4, 5, 7] } });
    ctx = ctxAdd(ctx, 'eu', 3);
    expect(ctx).toEqual({ eu: { hw: 5, ex: [7] } });
    expect(ctxAdd(ctx, 'eu', 4)).toBe(ctx); // already present: same object, a cheap no-op
    ctx = ctxAdd(ctx, 'eu', 6);
    expect(ctx).toEqual({ eu: { hw: 7, ex: [] } });
    expect(ctxHighWater(ctx)).toEqual({ eu: 7 });
  });

  it('has exactly the dots added, in whatever order, and stays compact', () => {
    fc.assert(
      fc.property(fc.array(dotArb, { maxLength: 40 }), (dots) => {
        const ctx = build(dots);
        const set = new Set(dots.map(([n, s]) => `${n}:${s}`));
        for (const n of ['eu-west', 'us-east', 'ap-south']) {
          for (let s = 1; s <= 13; s++) expect(ctxHas(ctx, n, s)).toBe(set.has(`${n}:${s}`));
          const r = ctx[n];
          if (r) {
            expect(r.ex.every((x, i) => x > r.hw + 1 && (i === 0 || x > (r.ex[i - 1] as number)))).toBe(true);
            expect(ctxPending(ctx, n)).toBe(r.ex.length);
          }
        }
        // Same set, different order: same canonical state.
        expect(same(build([...dots].reverse()), ctx)).toBe(true);
      }),
    );
  });

  it('merge is set union', () => {
    fc.assert(
      fc.property(fc.array(dotArb), fc.array(dotArb), (a, b) =>
        same(ctxMerge(build(a), build(b)), build([...a, ...b])),
      ),
    );
  });

  describeMergeLaws(
    fc.array(fc.array(dotArb, { maxLength: 15 }).map(build), { minLength: 1, maxLength: 6 }),
    ctxMerge,
  );
});
