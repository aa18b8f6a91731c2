import fc from 'fast-check';
import { configureFastCheck, permutationWithDuplicates, same } from './fc-support.spec-helper';
import {
  applyOps,
  countLwwConflicts,
  documentEmpty,
  lwwConflicts,
  prepareLwwSet,
  prepareMapSet,
  type Document,
  type Hlc,
  type Operation,
} from './index';

configureFastCheck(__filename);

let n = 0;
/** A write by `origin` built on `view` (what that writer had seen), stamped `wallMs`. */
function write(
  view: Document,
  origin: string,
  wallMs: number,
  m: ReturnType<typeof prepareLwwSet>,
): Operation {
  n += 1;
  const hlc: Hlc = { wallMs, logical: 0, nodeId: origin };
  return { eventId: `e-${n}`, origin, seq: (view.applied[origin]?.hw ?? 0) + 1, hlc, ...m } as Operation;
}

describe('LWW conflicts, read from the merged state', () => {
  it('reports concurrent writes with the winner, the loser and why, until a write that saw both', () => {
    const empty = documentEmpty();
    const a = write(empty, 'us-east.s1', 1000, prepareLwwSet(empty, 'title', 'Kettle'));
    const b = write(empty, 'eu.s1', 1001, prepareLwwSet(empty, 'title', 'Bouilloire'));
    const both = applyOps(empty, [a, b]);
    expect(lwwConflicts(both)).toEqual([
      {
        field: 'title',
        winner: { dot: 'eu.s1:1', origin: 'eu.s1', seq: 1, hlc: b.hlc, value: 'Bouilloire' },
        losers: [{ dot: 'us-east.s1:1', origin: 'us-east.s1', seq: 1, hlc: a.hlc, value: 'Kettle' }],
        reason: 'later wall clock',
      },
    ]);
    expect(countLwwConflicts(both)).toBe(1);
    // The same in the other order.
    expect(lwwConflicts(applyOps(empty, [b, a]))).toEqual(lwwConflicts(both));
    // A writer that had seen both settles it: no conflict left.
    const c = write(both, 'us-west.s1', 1002, prepareLwwSet(both, 'title', 'Kettle 2L'));
    expect(lwwConflicts(applyOps(both, [c]))).toEqual([]);
  });

  it('reports a map entry by its key, and names the tie-break when the clocks agree', () => {
    const empty = documentEmpty();
    const a = write(empty, 'a.s1', 5, prepareMapSet(empty, 'prefs', 'theme', 'dark'));
    const b = write(empty, 'b.s1', 5, prepareMapSet(empty, 'prefs', 'theme', 'light'));
    const [c] = lwwConflicts(applyOps(empty, [a, b]));
    expect(c).toMatchObject({ field: 'prefs', key: 'theme', reason: 'same time, node id breaks the tie' });
    expect(c?.winner.value).toBe('light');
  });

  it('are the same in every region: any delivery order, with duplicates, gives the same conflicts', () => {
    // Three writers on one register and one map entry, each on its own view, merging now and then.
    const step = fc.record({
      r: fc.nat({ max: 2 }),
      kind: fc.constantFrom('set', 'put', 'sync'),
      value: fc.constantFrom('x', 'y', 'z'),
      from: fc.nat({ max: 2 }),
    });
    const history = fc.array(step, { minLength: 1, maxLength: 15 }).map((steps) => {
      const views: Document[] = [documentEmpty(), documentEmpty(), documentEmpty()];
      const ops: Operation[] = [];
      let wall = 0;
      for (const s of steps) {
        const v = views[s.r] as Document;
        if (s.kind === 'sync') {
          views[s.r] = applyOps(
            v,
            ops.filter((o) => o.origin === `r${s.from}`),
          );
          continue;
        }
        wall += s.r === 0 ? 1 : 0; // ties on purpose
        const m = s.kind === 'set' ? prepareLwwSet(v, 'f', s.value) : prepareMapSet(v, 'm', 'k', s.value);
        const op = write(v, `r${s.r}`, wall, m);
        ops.push(op);
        views[s.r] = applyOps(v, [op]);
      }
      return ops;
    });
    fc.assert(
      fc.property(
        history.chain((ops) => fc.tuple(fc.constant(ops), permutationWithDuplicates(ops))),
        ([ops, shuffled]) => {
          const inOrder = applyOps(documentEmpty(), ops);
          const other = shuffled.reduce((d, op) => applyOps(d, [op]), documentEmpty());
          expect(same(lwwConflicts(other), lwwConflicts(inOrder))).toBe(true);
          expect(countLwwConflicts(other)).toBe(lwwConflicts(inOrder).length);
        },
      ),
    );
  });
});
