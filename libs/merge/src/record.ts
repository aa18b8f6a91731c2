// Helpers for immutable string-keyed records. `put` uses defineProperty so that a key such as
// "__proto__" becomes an own property instead of replacing the prototype.

export type Rec<T> = { readonly [key: string]: T };

export function hasOwn(rec: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(rec, key);
}

export function getOwn<T>(rec: Rec<T>, key: string): T | undefined {
  return hasOwn(rec, key) ? rec[key] : undefined;
}

/** Mutates a record under construction (never a published state). */
export function put<T>(rec: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
  } else rec[key] = value;
}

/**
 * A shallow copy to build on. Not `{ ...rec, [key]: value }`: on Node 20 a spread followed by a key
 * the source lacks costs ~1 µs per key (a V8 slow path), and the fold adds a new dot key per event.
 * `Object.assign` would call the `__proto__` setter for an own `__proto__` key, so such records take
 * the spread (which defines properties).
 */
export function copyRec<T>(rec: Rec<T>): Record<string, T> {
  return hasOwn(rec, '__proto__') ? { ...rec } : Object.assign({}, rec);
}

export function withKey<T>(rec: Rec<T>, key: string, value: T): Rec<T> {
  const out = copyRec(rec);
  put(out, key, value);
  return out;
}

export function withoutKey<T>(rec: Rec<T>, key: string): Rec<T> {
  if (!hasOwn(rec, key)) return rec;
  const out: Record<string, T> = {};
  for (const k of Object.keys(rec)) if (k !== key) put(out, k, rec[k] as T);
  return out;
}

export function isEmpty(rec: object): boolean {
  for (const k in rec) if (hasOwn(rec, k)) return false;
  return true;
}
