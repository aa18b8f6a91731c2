// Long on purpose: applying an operation to a document, every kind and the keyed-retry join, which must change together.
import { compareValues, type Value } from './canonical';
import { ctxHas, parseDot, type DotContext, type DotKey, type OriginRange } from './dot-context';
import {
  isKeyedOrigin,
  validateOp,
  type ApplyOptions,
  type Document,
  type FieldSlot,
  type LwwEntry,
  type Operation,
} from './document';
import { DedupWindowExceededError } from './errors';
import { compareHlc } from './hlc';
import { elementKey, type SetElement } from './or-set';
import { copyRec, getOwn, hasOwn, isEmpty, put } from './record';

const putIn = (rec: Record<string, unknown>, key: string, value: unknown): void => put(rec, key, value);

type Mut<T> = { -readonly [K in keyof T]: T[K] };
type Bag = Record<string, unknown>;
type StoreName = 'lww' | 'mv' | 'counter';

/**
 * Applies operations to a document in place, on copies it owns: each record on the path of a write
 * is copied the first time the draft writes to it and written in place after that. The document it
 * was made from is never changed, so `applyOp` stays pure while a projector folding many events of
 * one aggregate copies each record once per batch instead of once per event (records of many keys
 * are slow to copy in V8, ~0.3 µs per key). `result()` hands the state over: later writes copy again.
 *
 * Every check that can throw runs before the first write, so an operation either applies entirely
 * or leaves the draft as it was.
 */
export class DocumentDraft {
  private doc: Mut<Document>;
  private readonly owned = new Set<object>();
  private changed = false;
  /**
   * Entry counts of owned records, once asked: telling a record of many keys empty by enumerating
   * it is slow (V8 lists every key of a dictionary-mode object), so deletes and inserts keep count.
   */
  private readonly sizes = new Map<object, number>();
  /** The origin ranges of `ctx` and `applied` this draft owns (with their `ex` arrays). */
  private readonly ranges = {
    ctx: new Map<string, { hw: number; ex: number[] }>(),
    applied: new Map<string, { hw: number; ex: number[] }>(),
  };
  /** Stores of the current slot something was deleted from: only they can have become empty. */
  private readonly emptied = new Set<'lww' | 'mv' | 'counter' | 'set' | 'map'>();

  constructor(
    private base: Document,
    private readonly options: ApplyOptions = {},
  ) {
    this.doc = { fields: base.fields, ctx: base.ctx, applied: base.applied };
  }

  /**
   * Applies one event; false when it was already applied (same origin and seq) and changed nothing.
   * Order of arrival does not matter.
   */
  apply(op: Operation): boolean {
    validateOp(op);
    const { origin, seq } = op;
    const d = this.doc;
    if (ctxHas(d.applied, origin, seq)) return isKeyedOrigin(origin) ? this.keyedRetry(op) : false;
    const range = getOwn(d.applied, origin);
    const limit = this.options.maxPendingPerOrigin ?? 10_000;
    if (seq > (range?.hw ?? 0) + 1 && (range?.ex.length ?? 0) >= limit) {
      throw new DedupWindowExceededError(origin, range?.ex.length ?? 0, limit);
    }
    const observed = op.observed.map(parseDot);
    const dot = `${origin}:${seq}`;
    // If a later event already superseded this one, its dot is in ctx and its entry must not appear:
    // exactly what the state-based join would decide.
    const fresh = !ctxHas(d.ctx, origin, seq);

    const slot = this.slot(op.field);
    if (!this.setElementFastPath(slot, op, dot, fresh)) {
      if (op.observed.length > 0) this.dropFromSlot(slot, new Set(op.observed), op);
      if (fresh) this.addToSlot(slot, op, dot);
    }
    this.settleSlot(op.field, slot);
    this.ctxAdd('ctx', origin, seq);
    for (const o of observed) this.ctxAdd('ctx', o.nodeId, o.seq);
    this.ctxAdd('applied', origin, seq);
    this.changed = true;
    return true;
  }

  /** The document with every applied event: the one it was made from when nothing changed. */
  result(): Document {
    if (!this.changed) return this.base;
    const out: Document = this.doc;
    // Handed over: from now on the draft writes to fresh copies again.
    this.base = out;
    this.doc = { fields: out.fields, ctx: out.ctx, applied: out.applied };
    this.owned.clear();
    this.sizes.clear();
    this.ranges.ctx.clear();
    this.ranges.applied.clear();
    this.changed = false;
    return out;
  }

  private putIn(store: Bag, key: string, value: unknown): void {
    const n = this.sizes.get(store);
    if (n !== undefined && !hasOwn(store, key)) this.sizes.set(store, n + 1);
    putIn(store, key, value);
  }

  private del(store: Bag, key: string): void {
    delete store[key];
    const n = this.sizes.get(store);
    if (n !== undefined) this.sizes.set(store, n - 1);
  }

  private isEmpty(store: object): boolean {
    let n = this.sizes.get(store);
    if (n === undefined) {
      n = Object.keys(store).length;
      this.sizes.set(store, n);
    }
    return n === 0;
  }

  /** `parent[key]` as a record this draft owns (copied on first write, created when absent). */
  private ownAt(parent: Bag, key: string): Bag {
    const cur = getOwn(parent, key) as Bag | undefined;
    if (cur !== undefined && this.owned.has(cur)) return cur;
    const copy = cur === undefined ? {} : copyRec(cur);
    this.owned.add(copy);
    this.putIn(parent, key, copy);
    return copy;
  }

  private ownFields(): Bag {
    const f = this.doc.fields as Bag;
    if (this.owned.has(f)) return f;
    const copy = copyRec(f);
    this.owned.add(copy);
    this.doc.fields = copy as Document['fields'];
    return copy;
  }

  /** The field's slot, owned by the draft (possibly new and empty: `settleSlot` decides). */
  private slot(field: string): Mut<FieldSlot> {
    const cur = getOwn(this.doc.fields, field);
    if (cur !== undefined && this.owned.has(cur)) return cur;
    const copy: Mut<FieldSlot> = cur === undefined ? {} : Object.assign({}, cur);
    this.owned.add(copy);
    return copy;
  }

  /** Empty stores and slots are absent (canonical form). */
  private settleSlot(field: string, slot: Mut<FieldSlot>): void {
    // Not every store: telling a record of many keys empty is slow (for-in over a dictionary).
    for (const name of this.emptied) {
      const store = slot[name];
      if (store !== undefined && this.isEmpty(store)) delete slot[name];
    }
    this.emptied.clear();
    const fields = this.ownFields();
    if (isEmpty(slot)) {
      if (hasOwn(fields, field)) delete fields[field];
    } else if (getOwn(fields, field) !== slot) putIn(fields, field, slot);
  }

  /**
   * Adds a dot to `ctx` or `applied` in place: the origin's range is copied once (its `ex` too, which
   * the base may share) and then moved up or extended where it is; the same form as `ctxAdd`.
   */
  private ctxAdd(which: 'ctx' | 'applied', nodeId: string, seq: number): void {
    const ctx = this.doc[which];
    if (ctxHas(ctx, nodeId, seq)) return;
    const r = getOwn(ctx, nodeId);
    const ranges = this.ranges[which];
    let own = ranges.get(nodeId);
    if (own === undefined || own !== r) {
      own = { hw: r?.hw ?? 0, ex: r === undefined ? [] : [...r.ex] };
      ranges.set(nodeId, own);
      let c = ctx as Record<string, OriginRange>;
      if (!this.owned.has(c)) {
        c = copyRec(ctx);
        this.owned.add(c);
        this.doc[which] = c as DotContext;
      }
      put(c, nodeId, own);
    }
    const ex = own.ex;
    if (seq === own.hw + 1) {
      // Absorb the exceptions that have become contiguous.
      let hw = seq;
      let i = 0;
      while (i < ex.length && (ex[i] as number) <= hw + 1) {
        hw = Math.max(hw, ex[i] as number);
        i++;
      }
      own.hw = hw;
      if (i > 0) ex.splice(0, i);
      return;
    }
    let at = ex.length;
    while (at > 0 && (ex[at - 1] as number) > seq) at--;
    ex.splice(at, 0, seq);
  }

  private storeOf(slot: Mut<FieldSlot>, name: StoreName | 'set' | 'map'): Bag {
    return this.ownAt(slot as Bag, name);
  }

  /**
   * Set ops only observe dots of their own element, and a dot belongs to one element, so when the
   * element holds every observed dot no other element can change: one element touched, no scan.
   * Returns false when the general path is needed.
   */
  private setElementFastPath(slot: Mut<FieldSlot>, op: Operation, dot: DotKey, fresh: boolean): boolean {
    if (op.kind !== 'set.add' && op.kind !== 'set.remove') return false;
    const key = elementKey(op.value);
    const cur = slot.set === undefined ? undefined : getOwn(slot.set, key);
    const curDots = cur?.dots ?? [];
    if (!op.observed.every((d) => curDots.includes(d))) return false;
    const kept = op.observed.length === 0 ? curDots : curDots.filter((d) => !op.observed.includes(d));
    const dots = fresh && op.kind === 'set.add' ? [...kept, dot].sort() : kept;
    if (dots.length > 0) this.putIn(this.storeOf(slot, 'set'), key, { value: op.value, dots });
    else if (cur !== undefined) {
      this.del(this.storeOf(slot, 'set'), key);
      this.emptied.add('set');
    }
    return true;
  }

  private addToSlot(slot: Mut<FieldSlot>, op: Operation, dot: DotKey): void {
    switch (op.kind) {
      case 'lww.set':
        this.putIn(this.storeOf(slot, 'lww'), dot, { hlc: op.hlc, value: op.value });
        return;
      case 'mv.set':
        this.putIn(this.storeOf(slot, 'mv'), dot, op.value);
        return;
      case 'counter.add':
        this.putIn(this.storeOf(slot, 'counter'), dot, { p: op.p, n: op.n });
        return;
      case 'set.add': {
        const key = elementKey(op.value);
        const cur = slot.set === undefined ? undefined : getOwn(slot.set, key);
        const dots = cur === undefined ? [dot] : [...cur.dots, dot].sort();
        this.putIn(this.storeOf(slot, 'set'), key, { value: op.value, dots });
        return;
      }
      case 'map.set':
        this.putIn(this.ownAt(this.storeOf(slot, 'map'), op.key), dot, { hlc: op.hlc, value: op.value });
        return;
      case 'set.remove':
      case 'map.delete':
      case 'field.remove':
        return;
    }
  }

  /** Removes the killed dots from the slot's stores (the empty ones are settled afterwards). */
  private dropFromSlot(slot: Mut<FieldSlot>, killed: ReadonlySet<DotKey>, op: Operation): void {
    for (const name of ['lww', 'mv', 'counter'] as const) {
      const store = slot[name];
      if (store === undefined) continue;
      for (const k of killed)
        if (hasOwn(store, k)) {
          this.del(this.storeOf(slot, name), k);
          this.emptied.add(name);
        }
    }
    if (slot.set) {
      const set = slot.set;
      for (const k of Object.keys(set)) {
        const el = set[k] as SetElement;
        if (!el.dots.some((d) => killed.has(d))) continue;
        const dots = el.dots.filter((d) => !killed.has(d));
        const own = this.storeOf(slot, 'set');
        if (dots.length > 0) this.putIn(own, k, { value: el.value, dots });
        else {
          this.del(own, k);
          this.emptied.add('set');
        }
      }
    }
    if (slot.map) {
      // A map op observes dots of its own key: when that key holds them all, no other key changes.
      const only =
        (op.kind === 'map.set' || op.kind === 'map.delete') &&
        [...killed].every((d) => hasOwn(getOwn(slot.map!, op.key) ?? {}, d))
          ? [op.key]
          : Object.keys(slot.map);
      for (const k of only) {
        const entries = getOwn(slot.map, k);
        if (entries === undefined || ![...killed].some((d) => hasOwn(entries, d))) continue;
        const map = this.storeOf(slot, 'map');
        const own = this.ownAt(map, k);
        for (const d of killed) if (hasOwn(own, d)) this.del(own, d);
        if (this.isEmpty(own)) {
          this.del(map, k);
          this.emptied.add('map');
        }
      }
    }
  }

  /**
   * A second copy of a keyed write's dot (see `isKeyedOrigin`). So that every region ends in the
   * same state whichever copy arrives first, the copies are joined rather than the later dropped:
   * the observed dots of both are superseded, and a live register entry under the dot takes the
   * higher (hlc, value) of the two. Counter totals and set elements of a keyed dot are equal in
   * every copy (its own amount, its value). False when it changes nothing.
   */
  private keyedRetry(op: Operation): boolean {
    const dot = `${op.origin}:${op.seq}`;
    const killedList = op.observed.filter((d) => d !== dot);
    const killed = new Set(killedList);
    const parsed = killedList.map(parseDot);
    const existing = getOwn(this.doc.fields, op.field);
    const higher = (cur: LwwEntry | undefined, value: Value): boolean =>
      cur !== undefined && (compareHlc(op.hlc, cur.hlc) || compareValues(value, cur.value)) > 0;
    // Nothing to supersede and no register to raise: the copy changes nothing.
    if (killed.size === 0) {
      const reg =
        op.kind === 'lww.set'
          ? existing?.lww !== undefined && higher(getOwn(existing.lww, dot), op.value)
          : op.kind === 'map.set' &&
            existing?.map !== undefined &&
            higher(getOwn(getOwn(existing.map, op.key) ?? {}, dot), op.value);
      if (!reg) return false;
    }
    const slot = this.slot(op.field);
    if (killed.size > 0) this.dropFromSlot(slot, killed, op);
    if (op.kind === 'lww.set' && slot.lww && higher(getOwn(slot.lww, dot), op.value)) {
      this.putIn(this.storeOf(slot, 'lww'), dot, { hlc: op.hlc, value: op.value });
    } else if (op.kind === 'map.set' && slot.map) {
      const entries = getOwn(slot.map, op.key);
      if (entries && higher(getOwn(entries, dot), op.value))
        this.putIn(this.ownAt(this.storeOf(slot, 'map'), op.key), dot, { hlc: op.hlc, value: op.value });
    }
    this.settleSlot(op.field, slot);
    for (const o of parsed) this.ctxAdd('ctx', o.nodeId, o.seq);
    this.changed = true;
    return true;
  }
}

/**
 * Applies one event. Pure: returns a new document, or `doc` itself if the event was already
 * applied (same origin and seq), so redelivery is a no-op. Order of arrival does not matter.
 */
export function applyOp(doc: Document, op: Operation, options: ApplyOptions = {}): Document {
  const d = new DocumentDraft(doc, options);
  return d.apply(op) ? d.result() : doc;
}

/** Applies events in order: `applyOp` over them, copying each record at most once. */
export function applyOps(doc: Document, ops: Iterable<Operation>, options: ApplyOptions = {}): Document {
  const d = new DocumentDraft(doc, options);
  for (const op of ops) d.apply(op);
  return d.result();
}
