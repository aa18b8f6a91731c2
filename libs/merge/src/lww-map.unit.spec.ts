import fc from 'fast-check';
import {
  lwwMapDelete,
  lwwMapEmpty,
  lwwMapEntries,
  lwwMapGet,
  lwwMapMerge,
  lwwMapSet,
  type Hlc,
  type LwwMap,
  type Value,
} from './index';
import {
  configureFastCheck,
  describeMergeLaws,
  hlcArb,
  reachableStates,
  valueArb,
} from './fc-support.spec-helper';

configureFastCheck(__filename);

const h = (wallMs: number, nodeId: string): Hlc => ({ wallMs, logical: 0, nodeId });
const opArb = fc.record({
  del: fc.boolean(),
  key: fc.constantFrom('k1', 'k2'),
  value: valueArb,
  hlc: hlcArb,
});
type MapOp = { del: boolean; key: string; value: Value; hlc: Hlc };

describe('LWW map', () => {
  it('keys merge independently; a newer delete wins over an older set and stays deleted', () => {
    const eu = lwwMapSet(lwwMapSet(lwwMapEmpty(), 'colour', 'red', h(1, 'eu')), 'size', 'L', h(1, 'eu'));
    const us = lwwMapDelete(lwwMapSet(lwwMapEmpty(), 'size', 'M', h(2, 'us')), 'colour', h(3, 'us'));
    const merged = lwwMapMerge(eu, us);
    expect(lwwMapEntries(merged)).toEqual([['size', 'M']]);
    expect(lwwMapGet(lwwMapSet(merged, 'colour', 'blue', h(2, 'eu')), 'colour')).toBeUndefined(); // late, older write
  });

  const update = (s: LwwMap, op: MapOp): LwwMap =>
    op.del ? lwwMapDelete(s, op.key, op.hlc) : lwwMapSet(s, op.key, op.value, op.hlc);
  describeMergeLaws(reachableStates<LwwMap, MapOp>(opArb, lwwMapEmpty(), update, lwwMapMerge), lwwMapMerge);
});
