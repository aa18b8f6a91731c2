import { createHash } from 'node:crypto';
import { NonCanonicalValueError } from './errors';

/** The values a register, set or map can hold: JSON plus bigint. */
export type Value =
  null | boolean | number | string | bigint | readonly Value[] | { readonly [key: string]: Value };

/**
 * Canonical encoding of any state or value. Byte-identical for equal states on every node, so
 * regions compare digests instead of structures.
 *
 * Rules (JSON with fixed choices, close to RFC 8785):
 * - object keys sorted by UTF-16 code units (`Array.prototype.sort` default); properties whose
 *   value is `undefined` are omitted, as in JSON, so `{ a: undefined }` encodes like `{}`;
 * - numbers: ECMAScript shortest round-trip form (`String(n)`, identical on every engine);
 *   `NaN` and `±Infinity` are rejected; `-0` is normalised to `0`;
 * - bigint: decimal digits followed by `n` (e.g. `12n`), so `12n` and `12` stay distinct;
 * - strings: `JSON.stringify` (lone surrogates are escaped, so the UTF-8 bytes are well defined);
 * - only plain objects and arrays: Map, Set, Date, class instances, functions and symbols are
 *   rejected, as is `undefined` anywhere but an object property.
 */
export function canonicalEncode(value: unknown): string {
  try {
    return encode(value);
  } catch (e) {
    // Only pay for a path on failure: the hot path must not build strings it throws away.
    if (e instanceof NonCanonicalValueError)
      throw new NonCanonicalValueError(`${locate(value, '$')}: ${e.message}`);
    throw e;
  }
}

/** Keys that JSON.stringify would leave unescaped; most state keys (dots, field names) are. */
const PLAIN_KEY = /^[\w .:/@-]*$/;

function encode(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new NonCanonicalValueError(`non-finite number ${String(v)}`);
      return v === 0 ? '0' : String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return `${v.toString()}n`;
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = v[i];
          if (item === undefined) throw new NonCanonicalValueError('undefined in array');
          out += encode(item);
        }
        return out + ']';
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null)
        throw new NonCanonicalValueError('not a plain object');
      const rec = v as Record<string, unknown>;
      const keys = Object.keys(rec).sort();
      let out = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        const item = rec[k];
        if (item === undefined) continue;
        if (out.length > 1) out += ',';
        out += (PLAIN_KEY.test(k) ? `"${k}"` : JSON.stringify(k)) + ':' + encode(item);
      }
      return out + '}';
    }
    default:
      throw new NonCanonicalValueError(`cannot encode ${typeof v}`);
  }
}

/** Path of the first value that fails to encode, for the error message. */
function locate(v: unknown, path: string): string {
  try {
    encode(v);
    return path;
  } catch {
    if (typeof v !== 'object' || v === null) return path;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (item === undefined) return `${path}[${i}]`;
        try {
          encode(item);
        } catch {
          return locate(item, `${path}[${i}]`);
        }
      }
      return path;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return path;
    for (const [k, item] of Object.entries(v)) {
      if (item === undefined) continue;
      try {
        encode(item);
      } catch {
        return locate(item, `${path}.${k}`);
      }
    }
    return path;
  }
}

/** SHA-256 (hex) of the canonical encoding. Two regions agree iff their digests are equal. */
export function digest(state: unknown): string {
  return createHash('sha256').update(canonicalEncode(state), 'utf8').digest('hex');
}

/** Lexicographic by UTF-16 code units, i.e. JavaScript's `<` on strings. */
export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order on values: their canonical encodings compared by UTF-16 code units. */
export function compareValues(a: Value, b: Value): -1 | 0 | 1 {
  return a === b ? 0 : compareStrings(canonicalEncode(a), canonicalEncode(b));
}

/** Structural equality under the canonical encoding (so `0` equals `-0`). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  return a === b || canonicalEncode(a) === canonicalEncode(b);
}
