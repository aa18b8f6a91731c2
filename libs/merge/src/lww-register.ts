import { compareValues, type Value } from './canonical';
import { compareHlc, type Hlc } from './hlc';

/**
 * Last-writer-wins register. The winner is the entry with the highest HLC; HLCs that tie on
 * (wallMs, logical) are ordered by nodeId (UTF-16 code units), and a full HLC tie (only possible
 * with a misbehaving clock) by the canonical encoding of the value. It is a total order, so the
 * result never depends on arrival order.
 */
export interface LwwRegister<T extends Value = Value> {
  readonly hlc: Hlc;
  readonly value: T;
}

export function lwwCreate<T extends Value>(value: T, hlc: Hlc): LwwRegister<T> {
  return { hlc, value };
}

export function compareLww(a: LwwRegister, b: LwwRegister): -1 | 0 | 1 {
  return compareHlc(a.hlc, b.hlc) || compareValues(a.value, b.value);
}

export function lwwMerge<T extends Value>(a: LwwRegister<T>, b: LwwRegister<T>): LwwRegister<T> {
  return compareLww(a, b) >= 0 ? a : b;
}

/** Local write: keeps the register if `hlc` does not win (e.g. a stale retry). */
export function lwwSet<T extends Value>(reg: LwwRegister<T> | undefined, value: T, hlc: Hlc): LwwRegister<T> {
  const next = { hlc, value };
  return reg === undefined ? next : lwwMerge(reg, next);
}
