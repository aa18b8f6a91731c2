/**
 * Bounds array/map block counts while decoding. avsc trusts the count in the data: a corrupt or
 * hostile body claiming 2^31 items makes it allocate and loop until the process dies of OOM (a
 * poison pill that no try/catch can stop). Each item needs at least `minBytes` bytes, so a count
 * larger than the remaining bytes allow is corruption: throw, and the serde reports BODY_MISMATCH.
 *
 * Relies on avsc 5 internals (`_read`, `Tap.buf/pos/readLong/skipLong/readString`); pinned by the
 * serde's bad-input test, which fails (in well under a second) if an avsc upgrade bypasses it.
 */
import { Type, types } from 'avsc';

interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
}
interface Readable {
  _read(tap: Tap): unknown;
}

/** Smallest encoding of a value of `t`, in bytes (0 for null and records of such). */
function minBytes(t: Type, seen: Set<Type> = new Set()): number {
  if (seen.has(t)) return 1; // recursive type: any value has at least a union/array byte
  seen.add(t);
  if (Type.isType(t, 'logical')) return minBytes((t as types.LogicalType).underlyingType, seen);
  if (Type.isType(t, 'record'))
    return (t as types.RecordType).fields.reduce((s, f) => s + minBytes(f.type, seen), 0);
  switch (t.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return (t as types.FixedType).size;
    default:
      return 1;
  }
}

function blockCount(tap: Tap): number {
  let n = tap.readLong();
  if (n < 0) {
    n = -n;
    tap.skipLong(); // block size in bytes, unused
  }
  return n;
}

function check(n: number, perItem: number, tap: Tap, what: string): void {
  if (perItem > 0 && n * perItem > tap.buf.length - tap.pos) {
    throw new Error(
      `${what} block of ${n} items exceeds the ${Math.max(0, tap.buf.length - tap.pos)} bytes left`,
    );
  }
}

/** Minimum bytes per item of each guarded collection, computed on first read (types are frozen). */
const perItem = new WeakMap<Type, number>();

function itemBytes(t: Type, items: Type, extra: number): number {
  let n = perItem.get(t);
  if (n === undefined) {
    n = extra + minBytes(items);
    perItem.set(t, n);
  }
  return n;
}

/** Resolvers borrow `_read`, so `this` may be a resolver: size by its reader type. */
function readerTypeOf(self: object): Type {
  return (self as { _readerType?: Type })._readerType ?? (self as Type);
}

class GuardedArrayType extends types.ArrayType {
  _read(tap: Tap): unknown[] {
    const items = this.itemsType as unknown as Readable;
    const self = readerTypeOf(this) as types.ArrayType;
    const per = itemBytes(self, self.itemsType, 0);
    const out: unknown[] = [];
    for (let n = blockCount(tap); n !== 0; n = blockCount(tap)) {
      check(n, per, tap, 'array');
      while (n-- > 0) out.push(items._read(tap));
    }
    return out;
  }
}

class GuardedMapType extends types.MapType {
  _read(tap: Tap): Record<string, unknown> {
    const values = this.valuesType as Readable;
    const self = readerTypeOf(this) as types.MapType;
    const per = itemBytes(self, self.valuesType as Type, 1); // + the key's length byte
    const out: Record<string, unknown> = {};
    for (let n = blockCount(tap); n !== 0; n = blockCount(tap)) {
      check(n, per, tap, 'map');
      while (n-- > 0) {
        const key = tap.readString();
        out[key] = values._read(tap);
      }
    }
    return out;
  }
}

/**
 * `typeHook` for `Type.forSchema`: arrays and maps become the guarded subclasses. avsc freezes
 * type instances, so the override lives on the subclass prototype; resolvers copy the reader
 * type's `_read`, so the schema-evolution path is guarded too.
 */
export function guardedTypeHook(schema: unknown, opts: unknown): Type | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const type = (schema as { type?: unknown }).type;
  if (type === 'array') return new GuardedArrayType(schema as never, opts);
  if (type === 'map') return new GuardedMapType(schema as never, opts);
  return undefined;
}
