import { compareValues, type Value } from './canonical';
import { compareHlc, type Hlc } from './hlc';
import { getOwn, put, withKey, type Rec } from './record';

/** A key's latest write; a delete is a write with `deleted: true` (a tombstone, `value: null`). */
export interface LwwMapEntry {
  readonly hlc: Hlc;
  readonly deleted: boolean;
  readonly value: Value;
}

/**
 * Map whose keys are independent LWW registers, with the same total order as `LwwRegister`
 * (HLC, then nodeId, then canonical value; a tombstone sorts after a value at an identical HLC).
 * Tombstones are kept so a late, older write cannot resurrect a deleted key. The document's
 * `map` fields use observed-remove instead and need no tombstones.
 */
export type LwwMap = Rec<LwwMapEntry>;

export function compareLwwMapEntries(a: LwwMapEntry, b: LwwMapEntry): -1 | 0 | 1 {
  return compareHlc(a.hlc, b.hlc) || compareValues([a.deleted, a.value], [b.deleted, b.value]);
}

export function lwwMapEmpty(): LwwMap {
  return {};
}

export function lwwMapSet(map: LwwMap, key: string, value: Value, hlc: Hlc): LwwMap {
  return write(map, key, { hlc, deleted: false, value });
}

export function lwwMapDelete(map: LwwMap, key: string, hlc: Hlc): LwwMap {
  return write(map, key, { hlc, deleted: true, value: null });
}

export function lwwMapGet(map: LwwMap, key: string): Value | undefined {
  const e = getOwn(map, key);
  return e === undefined || e.deleted ? undefined : e.value;
}

/** Live entries, keys sorted by UTF-16 code units. */
export function lwwMapEntries(map: LwwMap): [string, Value][] {
  return Object.keys(map)
    .sort()
    .filter((k) => !(map[k] as LwwMapEntry).deleted)
    .map((k) => [k, (map[k] as LwwMapEntry).value]);
}

export function lwwMapMerge(a: LwwMap, b: LwwMap): LwwMap {
  const out: Record<string, LwwMapEntry> = { ...a };
  for (const k of Object.keys(b)) {
    const x = getOwn(a, k);
    const y = b[k] as LwwMapEntry;
    put(out, k, x === undefined || compareLwwMapEntries(y, x) > 0 ? y : x);
  }
  return out;
}

function write(map: LwwMap, key: string, entry: LwwMapEntry): LwwMap {
  const cur = getOwn(map, key);
  return cur !== undefined && compareLwwMapEntries(cur, entry) >= 0 ? map : withKey(map, key, entry);
}
