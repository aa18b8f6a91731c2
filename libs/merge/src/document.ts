// Long on purpose: the document CRDT: every operation, its merge and its read, which must change together.
import { canonicalEncode, compareValues, type Value } from './canonical';
import { checkedSum } from './counters';
import {
  assertSeq,
  ctxHas,
  ctxHighWater,
  ctxMerge,
  parseDot,
  type DotContext,
  type DotKey,
} from './dot-context';
import { joinDotFun, joinKeyed, type DotFun } from './dot-store';
import { InvalidOperationError } from './errors';
import { compareHlc, hlcFromFields, isValidNodeId, type Hlc } from './hlc';
import { elementKey, joinElements, type SetElement } from './or-set';
import { getOwn, isEmpty, put, type Rec } from './record';
import type { VersionVector } from './version-vector';

/** A write to a causal LWW register: the winner among live entries is the highest (hlc, value). */
export interface LwwEntry {
  readonly hlc: Hlc;
  readonly value: Value;
}

/** A node's running totals of increments (p) and decrements (n) in a causal counter. */
export interface CounterEntry {
  readonly p: number;
  readonly n: number;
}

/**
 * One field of the OR-map. Every store is dot-based and shares the map's causal context, so
 * removing the field is an observed-remove of all its dots. A field is keyed by (name, type): two
 * regions writing the same name with different types keep both stores rather than one winning
 * arbitrarily. Empty stores are absent (canonical form).
 */
export interface FieldSlot {
  /** Last-writer-wins register (dot -> write). */
  readonly lww?: DotFun<LwwEntry>;
  /** Multi-value register (dot -> value). */
  readonly mv?: DotFun<Value>;
  /** PN counter (dot -> that node's running totals). */
  readonly counter?: DotFun<CounterEntry>;
  /** Add-wins OR-set (element key -> element and its live add-dots). */
  readonly set?: Rec<SetElement>;
  /** Map of key -> LWW register, keys removed by observed-remove (no tombstones). */
  readonly map?: Rec<DotFun<LwwEntry>>;
}

/** OR-map: fields merge independently; `ctx` is every dot seen, shared by all fields. */
export interface OrMap {
  readonly fields: Rec<FieldSlot>;
  readonly ctx: DotContext;
}

/**
 * What a projector stores per aggregate. `applied` is the set of events applied, bounded as a
 * per-origin high-water mark plus exceptions (see DotContext). `ctx` ⊇ `applied` also holds dots
 * known only as superseded; both become equal once every event has arrived. The version vector is
 * derived (`documentVersion`) rather than stored, so it can never disagree with `applied`.
 */
export interface Document extends OrMap {
  readonly applied: DotContext;
}

// --- operations ---------------------------------------------------------------------------------

/** Envelope fields carried by every event. `(origin, seq)` is the dedup key; `eventId` must map 1:1. */
export interface OpEnvelope {
  readonly eventId: string;
  /** Writing node; equals `hlc.nodeId`. */
  readonly origin: string;
  /** Per-origin sequence: 1, 2, 3, ... with no gaps at the origin. */
  readonly seq: number;
  readonly hlc: Hlc;
}

/**
 * `observed` lists the dots of this field the writer had seen and this event supersedes; build
 * mutations with the `prepare*` functions from the writer's own document so it is right.
 */
export type Mutation =
  | {
      readonly kind: 'lww.set';
      readonly field: string;
      readonly value: Value;
      readonly observed: readonly DotKey[];
    }
  | {
      readonly kind: 'mv.set';
      readonly field: string;
      readonly value: Value;
      readonly observed: readonly DotKey[];
    }
  | {
      readonly kind: 'counter.add';
      readonly field: string;
      /** The origin's running totals after this change (absolute, so merges can take the max). */
      readonly p: number;
      readonly n: number;
      readonly observed: readonly DotKey[];
    }
  | {
      readonly kind: 'set.add';
      readonly field: string;
      readonly value: Value;
      readonly observed: readonly DotKey[];
    }
  | {
      readonly kind: 'set.remove';
      readonly field: string;
      readonly value: Value;
      readonly observed: readonly DotKey[];
    }
  | {
      readonly kind: 'map.set';
      readonly field: string;
      readonly key: string;
      readonly value: Value;
      readonly observed: readonly DotKey[];
    }
  | {
      readonly kind: 'map.delete';
      readonly field: string;
      readonly key: string;
      readonly observed: readonly DotKey[];
    }
  | { readonly kind: 'field.remove'; readonly field: string; readonly observed: readonly DotKey[] };

export type Operation = OpEnvelope & Mutation;

export interface ApplyOptions {
  /**
   * Max events from one origin held above its contiguous high-water mark. Beyond it `applyOp`
   * throws a retriable DEDUP_WINDOW_EXCEEDED instead of growing the state. Default 10 000.
   */
  maxPendingPerOrigin?: number;
}

export function documentEmpty(): Document {
  return { fields: {}, ctx: {}, applied: {} };
}

/**
 * Origins of idempotency-keyed writes (`k.<128-bit hash of aggregate and key>`, see the publisher):
 * the same dot can be stored more than once — the original and a client's retry, perhaps in another
 * region — with the same intent but their own HLC stamp and `observed` dots.
 */
export function isKeyedOrigin(origin: string): boolean {
  return origin.startsWith('k.');
}

// --- state-based merge --------------------------------------------------------------------------

export function mergeOrMaps(a: OrMap, b: OrMap): OrMap {
  const ca = a.ctx;
  const cb = b.ctx;
  const fields = joinKeyed(a.fields, b.fields, (x, y) => {
    const s = joinSlot(x ?? {}, ca, y ?? {}, cb);
    return isEmpty(s) ? undefined : s;
  });
  return { fields, ctx: ctxMerge(ca, cb) };
}

/** State-based merge: commutative, associative, idempotent, and consistent with `applyOp`. */
export function mergeDocuments(a: Document, b: Document): Document {
  return { ...mergeOrMaps(a, b), applied: ctxMerge(a.applied, b.applied) };
}

function joinSlot(x: FieldSlot, ca: DotContext, y: FieldSlot, cb: DotContext): FieldSlot {
  const fun = <T>(p: DotFun<T> | undefined, q: DotFun<T> | undefined): DotFun<T> | undefined =>
    p === undefined && q === undefined ? undefined : nonEmpty(joinDotFun(p ?? {}, ca, q ?? {}, cb));
  return compactSlot({
    lww: fun(x.lww, y.lww),
    mv: fun(x.mv, y.mv),
    counter: fun(x.counter, y.counter),
    set: x.set || y.set ? nonEmpty(joinElements(x.set ?? {}, ca, y.set ?? {}, cb)) : undefined,
    map:
      x.map || y.map
        ? nonEmpty(
            joinKeyed(x.map ?? {}, y.map ?? {}, (p, q) => nonEmpty(joinDotFun(p ?? {}, ca, q ?? {}, cb))),
          )
        : undefined,
  });
}

function nonEmpty<S extends object>(s: S): S | undefined {
  return isEmpty(s) ? undefined : s;
}

/** Drops absent stores so equal states have equal shapes. */
function compactSlot(s: FieldSlot): FieldSlot {
  const out: { -readonly [K in keyof FieldSlot]: FieldSlot[K] } = {};
  if (s.lww) out.lww = s.lww;
  if (s.mv) out.mv = s.mv;
  if (s.counter) out.counter = s.counter;
  if (s.set) out.set = s.set;
  if (s.map) out.map = s.map;
  return out;
}

// --- reading ------------------------------------------------------------------------------------

/** Resolved view of a field; only non-empty stores appear. Lists are sorted canonically. */
export interface FieldView {
  lww?: Value;
  mv?: Value[];
  counter?: number;
  set?: Value[];
  map?: Record<string, Value>;
}

export function readField(doc: OrMap, name: string): FieldView | undefined {
  const slot = getOwn(doc.fields, name);
  if (slot === undefined) return undefined;
  const view: FieldView = {};
  if (slot.lww) view.lww = resolveLww(slot.lww);
  if (slot.mv) view.mv = Object.values(slot.mv).sort(compareValues);
  if (slot.counter) {
    let total = 0;
    for (const e of Object.values(slot.counter)) total = checkedSum(checkedSum(total + e.p) - e.n);
    view.counter = total;
  }
  if (slot.set) {
    const set = slot.set;
    view.set = Object.keys(set)
      .sort()
      .map((k) => (set[k] as SetElement).value);
  }
  if (slot.map) {
    const map: Record<string, Value> = {};
    for (const k of Object.keys(slot.map).sort()) put(map, k, resolveLww(slot.map[k] as DotFun<LwwEntry>));
    view.map = map;
  }
  return view;
}

export function readDocument(doc: OrMap): Record<string, FieldView> {
  const out: Record<string, FieldView> = {};
  for (const name of Object.keys(doc.fields).sort()) put(out, name, readField(doc, name) as FieldView);
  return out;
}

function resolveLww(entries: DotFun<LwwEntry>): Value {
  let best: LwwEntry | undefined;
  for (const e of Object.values(entries)) {
    if (best === undefined || (compareHlc(e.hlc, best.hlc) || compareValues(e.value, best.value)) > 0)
      best = e;
  }
  return (best as LwwEntry).value;
}

/** Per-origin contiguous high-water mark of applied events. */
export function documentVersion(doc: Document): VersionVector {
  return ctxHighWater(doc.applied);
}

export function hasApplied(doc: Document, origin: string, seq: number): boolean {
  return ctxHas(doc.applied, origin, seq);
}

// --- writer side --------------------------------------------------------------------------------
// The writer builds a mutation from its own document (which already holds its own earlier events),
// wraps it in an envelope, applies it locally, then publishes it.

function slotOf(doc: OrMap, field: string): FieldSlot {
  return getOwn(doc.fields, field) ?? {};
}

export function prepareLwwSet(doc: OrMap, field: string, value: Value): Mutation {
  return { kind: 'lww.set', field, value, observed: Object.keys(slotOf(doc, field).lww ?? {}).sort() };
}

export function prepareMvSet(doc: OrMap, field: string, value: Value): Mutation {
  return { kind: 'mv.set', field, value, observed: Object.keys(slotOf(doc, field).mv ?? {}).sort() };
}

/** `by` may be negative. Supersedes only the origin's own entry: other nodes' totals stay. */
export function prepareCounterAdd(doc: OrMap, field: string, origin: string, by: number): Mutation {
  if (!Number.isSafeInteger(by))
    throw new InvalidOperationError(`counter delta must be a safe integer, got ${by}`);
  const entries = slotOf(doc, field).counter ?? {};
  let p = 0;
  let n = 0;
  const observed: DotKey[] = [];
  for (const k of Object.keys(entries)) {
    if (parseDot(k).nodeId !== origin) continue;
    const e = entries[k] as CounterEntry;
    p += e.p;
    n += e.n;
    observed.push(k);
  }
  return {
    kind: 'counter.add',
    field,
    p: checkedSum(p + Math.max(by, 0)),
    n: checkedSum(n + Math.max(-by, 0)),
    observed: observed.sort(),
  };
}

export function prepareSetAdd(doc: OrMap, field: string, value: Value): Mutation {
  return { kind: 'set.add', field, value, observed: elementDots(doc, field, value) };
}

export function prepareSetRemove(doc: OrMap, field: string, value: Value): Mutation {
  return { kind: 'set.remove', field, value, observed: elementDots(doc, field, value) };
}

export function prepareMapSet(doc: OrMap, field: string, key: string, value: Value): Mutation {
  return { kind: 'map.set', field, key, value, observed: mapKeyDots(doc, field, key) };
}

export function prepareMapDelete(doc: OrMap, field: string, key: string): Mutation {
  return { kind: 'map.delete', field, key, observed: mapKeyDots(doc, field, key) };
}

/** Removes what the writer has seen of the field; a concurrent write elsewhere survives (add-wins). */
export function prepareFieldRemove(doc: OrMap, field: string): Mutation {
  const s = slotOf(doc, field);
  const dots = [
    ...Object.keys(s.lww ?? {}),
    ...Object.keys(s.mv ?? {}),
    ...Object.keys(s.counter ?? {}),
    ...Object.values(s.set ?? {}).flatMap((e) => e.dots),
    ...Object.values(s.map ?? {}).flatMap((m) => Object.keys(m)),
  ];
  return { kind: 'field.remove', field, observed: dots.sort() };
}

function elementDots(doc: OrMap, field: string, value: Value): DotKey[] {
  const set = slotOf(doc, field).set;
  const el = set === undefined ? undefined : getOwn(set, elementKey(value));
  return el === undefined ? [] : [...el.dots];
}

function mapKeyDots(doc: OrMap, field: string, key: string): DotKey[] {
  const map = slotOf(doc, field).map;
  const entries = map === undefined ? undefined : getOwn(map, key);
  return entries === undefined ? [] : Object.keys(entries).sort();
}

// --- validation ---------------------------------------------------------------------------------

/** `<node>:<seq>` with a non-empty node and a seq of digits not starting with 0 (as /^.+:[1-9]\d*$/s). */
function isDotKey(d: string): boolean {
  const i = d.lastIndexOf(':');
  if (i <= 0 || i === d.length - 1) return false;
  const first = d.charCodeAt(i + 1);
  if (first < 0x31 || first > 0x39) return false;
  for (let j = i + 2; j < d.length; j++) {
    const c = d.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Throws `InvalidOperationError` for an operation no document may take (see `applyOp`). */
export function validateOp(op: Operation): void {
  if (typeof op.eventId !== 'string' || op.eventId.length === 0) {
    throw new InvalidOperationError('eventId must be a non-empty string');
  }
  if (!isValidNodeId(op.origin))
    throw new InvalidOperationError(`invalid origin ${JSON.stringify(op.origin)}`);
  assertSeq(op.seq);
  const hlc = hlcFromFields(op.hlc);
  if (hlc.nodeId !== op.origin) {
    throw new InvalidOperationError(`hlc.nodeId ${hlc.nodeId} differs from origin ${op.origin}`);
  }
  if (typeof op.field !== 'string' || op.field.length === 0) {
    throw new InvalidOperationError('field must be a non-empty string');
  }
  if (!Array.isArray(op.observed)) throw new InvalidOperationError('observed must be an array of dots');
  for (const d of op.observed) {
    if (typeof d !== 'string' || !isDotKey(d)) {
      throw new InvalidOperationError(`observed entry ${JSON.stringify(d)} is not a dot`);
    }
  }
  switch (op.kind) {
    case 'lww.set':
    case 'mv.set':
    case 'set.add':
    case 'set.remove':
      assertEncodable(op.value);
      return;
    case 'map.set':
      assertKey(op.key);
      assertEncodable(op.value);
      return;
    case 'map.delete':
      assertKey(op.key);
      return;
    case 'counter.add':
      for (const x of [op.p, op.n]) {
        if (!Number.isSafeInteger(x) || x < 0)
          throw new InvalidOperationError(`counter total ${x} is invalid`);
      }
      return;
    case 'field.remove':
      return;
    default: {
      const unknownKind: unknown = (op as { kind?: unknown }).kind;
      throw new InvalidOperationError(`unknown operation kind ${JSON.stringify(unknownKind)}`);
    }
  }
}

/** Throws where `canonicalEncode` would (NaN, Infinity, undefined, class instances ...); strings,
 * booleans and finite numbers, most values, need no encoding to know. */
function assertEncodable(v: unknown): void {
  if (typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number' && Number.isFinite(v)) return;
  canonicalEncode(v);
}

function assertKey(key: unknown): void {
  if (typeof key !== 'string') throw new InvalidOperationError('map key must be a string');
}
