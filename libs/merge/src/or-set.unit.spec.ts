import fc from 'fast-check';
import { orSetAdd, orSetEmpty, orSetHas, orSetMerge, orSetRemove, orSetValues, type OrSet } from './index';
import { configureFastCheck, describeMergeLaws, reachableStates } from './fc-support.spec-helper';

configureFastCheck(__filename);

const nodes = ['eu-west', 'us-east', 'ap-south'];
type SetOp = { add: boolean; v: string };
const opArb = fc.record({ add: fc.boolean(), v: fc.constantFrom('a', 'b', 'c') });

describe('OR-set (add-wins)', () => {
  it('a concurrent add survives a remove that did not see it', () => {
    const base = orSetAdd(orSetEmpty(), 'eu', 'tag');
    const removedInEu = orSetRemove(base, 'tag');
    const reAddedInUs = orSetAdd(base, 'us', 'tag'); // us adds again without seeing the remove
    expect(orSetHas(orSetMerge(removedInEu, reAddedInUs), 'tag')).toBe(true);
    expect(orSetHas(orSetMerge(reAddedInUs, removedInEu), 'tag')).toBe(true);
    // A remove that has seen every add wins.
    expect(orSetHas(orSetMerge(removedInEu, base), 'tag')).toBe(false);
  });

  it('structurally equal values are one element; members are sorted canonically', () => {
    let s = orSetAdd(orSetEmpty(), 'eu', { b: 1, a: 2 });
    s = orSetAdd(s, 'us', { a: 2, b: 1 });
    s = orSetAdd(s, 'us', 'z');
    expect(orSetValues(s)).toEqual(['z', { a: 2, b: 1 }]); // '"z"' < '{...}' by code unit
  });

  const update = (s: OrSet, op: SetOp, r: number): OrSet =>
    op.add ? orSetAdd(s, nodes[r] as string, op.v) : orSetRemove(s, op.v);
  describeMergeLaws(reachableStates<OrSet, SetOp>(opArb, orSetEmpty(), update, orSetMerge), orSetMerge);
});
