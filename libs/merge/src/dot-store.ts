// Joins for dot-based ("causal") stores that share a causal context, after Almeida et al.,
// "Delta State Replicated Data Types" (2018). An entry survives a join iff both sides have it,
// or the other side has never seen its dot. Seen-but-absent means it was superseded or removed.
import { valuesEqual } from './canonical';
import { ctxHasDot, type DotContext, type DotKey } from './dot-context';
import { InvalidStateError } from './errors';
import { hasOwn, put, type Rec } from './record';

/** dot -> payload (MV register values, causal LWW entries, causal counter entries). */
export type DotFun<T> = Rec<T>;

export function joinDotFun<T>(a: DotFun<T>, ca: DotContext, b: DotFun<T>, cb: DotContext): DotFun<T> {
  if (a === b) return a;
  const out: Record<string, T> = {};
  for (const k of Object.keys(a)) {
    const v = a[k] as T;
    if (hasOwn(b, k)) {
      // One dot is one event, so both sides must hold the same payload.
      if (!valuesEqual(v, b[k])) throw new InvalidStateError(`dot ${k} carries two different payloads`);
      put(out, k, v);
    } else if (!ctxHasDot(cb, k)) put(out, k, v);
  }
  for (const k of Object.keys(b)) {
    if (!hasOwn(a, k) && !ctxHasDot(ca, k)) put(out, k, b[k] as T);
  }
  return out;
}

/** Sorted dot sets (OR-set element tags). */
export function joinDotSet(
  a: readonly DotKey[],
  ca: DotContext,
  b: readonly DotKey[],
  cb: DotContext,
): readonly DotKey[] {
  if (a === b) return a;
  const inB = new Set(b);
  const inA = new Set(a);
  const out: DotKey[] = [];
  for (const d of a) if (inB.has(d) || !ctxHasDot(cb, d)) out.push(d);
  for (const d of b) if (!inA.has(d) && !ctxHasDot(ca, d)) out.push(d);
  return out.sort();
}

/**
 * Joins two keyed collections of stores (the caller's `joinOne` closes over both contexts),
 * dropping keys whose joined store is empty. Keys on one side only still go through `joinOne`.
 */
export function joinKeyed<S>(
  a: Rec<S>,
  b: Rec<S>,
  joinOne: (x: S | undefined, y: S | undefined) => S | undefined,
): Rec<S> {
  if (a === b) return a;
  const out: Record<string, S> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const v = joinOne(hasOwn(a, k) ? a[k] : undefined, hasOwn(b, k) ? b[k] : undefined);
    if (v !== undefined) put(out, k, v);
  }
  return out;
}

/** Removes entries whose dot is in `killed`; returns the same object when nothing changes. */
export function dropDots<T>(store: DotFun<T>, killed: ReadonlySet<DotKey>): DotFun<T> {
  let out: Record<string, T> | undefined;
  for (const k of Object.keys(store)) {
    if (killed.has(k)) {
      if (out === undefined) {
        out = {};
        for (const j of Object.keys(store)) put(out, j, store[j] as T);
      }
      delete out[k];
    }
  }
  return out ?? store;
}
