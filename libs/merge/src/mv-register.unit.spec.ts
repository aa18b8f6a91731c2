import { mvAssign, mvEmpty, mvMerge, mvValues, type MvRegister, type Value } from './index';
import { configureFastCheck, describeMergeLaws, reachableStates, valueArb } from './fc-support.spec-helper';

configureFastCheck(__filename);

const replicaIds = ['eu-west', 'us-east', 'ap-south'];

describe('multi-value register', () => {
  it('keeps concurrent assignments and collapses once a writer has seen them', () => {
    const base = mvAssign(mvEmpty(), 'eu', 'v0');
    const eu = mvAssign(base, 'eu', 'eu-title');
    const us = mvAssign(base, 'us', 'us-title');
    const merged = mvMerge(eu, us);
    expect(mvValues(merged)).toEqual(['eu-title', 'us-title']); // conflict surfaced, sorted canonically
    expect(mvValues(mvMerge(us, eu))).toEqual(['eu-title', 'us-title']);
    const resolved = mvAssign(merged, 'us', 'agreed');
    expect(mvValues(mvMerge(resolved, eu))).toEqual(['agreed']); // eu's value was seen, so superseded
  });

  const states = reachableStates<MvRegister, Value>(
    valueArb,
    mvEmpty(),
    (s, v, r) => mvAssign(s, replicaIds[r] as string, v),
    mvMerge,
  );
  describeMergeLaws(states, mvMerge);
});
