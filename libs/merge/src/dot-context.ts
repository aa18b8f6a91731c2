import { InvalidOperationError, InvalidStateError } from './errors';
import { getOwn, put, withKey, type Rec } from './record';
import type { VersionVector } from './version-vector';

/**
 * A set of dots (origin, seq) stored compactly: per origin, the contiguous high-water mark `hw`
 * (every seq 1..hw is in the set) plus the exceptions `ex` above it (sorted, each > hw + 1).
 * Adding hw + 1 absorbs any exceptions that become contiguous, so the size is bounded by how far
 * out of order events arrive, not by how many there were. Used both as the applied-event set
 * (dedup) and as the causal context of dot-based CRDTs.
 */
export interface OriginRange {
  readonly hw: number;
  readonly ex: readonly number[];
}
export type DotContext = Rec<OriginRange>;

/** Dots are serialised as `<nodeId>:<seq>`; seq is digits, so the last ':' splits unambiguously. */
export type DotKey = string;

export function dotKey(nodeId: string, seq: number): DotKey {
  return `${nodeId}:${seq}`;
}

export function parseDot(key: DotKey): { nodeId: string; seq: number } {
  const i = key.lastIndexOf(':');
  const seq = Number(key.slice(i + 1));
  if (i <= 0 || !Number.isSafeInteger(seq) || seq < 1) throw new InvalidStateError(`bad dot ${key}`);
  return { nodeId: key.slice(0, i), seq };
}

export function assertSeq(seq: unknown): asserts seq is number {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw new InvalidOperationError(`seq must be a positive safe integer, got ${String(seq)}`);
  }
}

export function ctxHas(ctx: DotContext, nodeId: string, seq: number): boolean {
  const r = getOwn(ctx, nodeId);
  if (r === undefined) return false;
  return seq <= r.hw || binarySearch(r.ex, seq) >= 0;
}

export function ctxHasDot(ctx: DotContext, key: DotKey): boolean {
  const { nodeId, seq } = parseDot(key);
  return ctxHas(ctx, nodeId, seq);
}

/** Returns `ctx` itself when the dot is already present, so callers can detect a no-op by identity. */
export function ctxAdd(ctx: DotContext, nodeId: string, seq: number): DotContext {
  const r = getOwn(ctx, nodeId);
  const next = rangeWith(r, seq);
  return next === r ? ctx : withKey(ctx, nodeId, next);
}

const NO_RANGE: OriginRange = { hw: 0, ex: [] };

/** One origin's range with `seq` added: `r` itself when it already holds it. */
export function rangeWith(r: OriginRange | undefined, seq: number): OriginRange {
  const cur = r ?? NO_RANGE;
  if (seq <= cur.hw) return r ?? cur;
  if (seq === cur.hw + 1) return compact(seq, cur.ex);
  const i = binarySearch(cur.ex, seq);
  if (i >= 0) return r ?? cur;
  const at = -i - 1;
  return { hw: cur.hw, ex: [...cur.ex.slice(0, at), seq, ...cur.ex.slice(at)] };
}

export function ctxAddDots(ctx: DotContext, keys: readonly DotKey[]): DotContext {
  let out = ctx;
  for (const k of keys) {
    const { nodeId, seq } = parseDot(k);
    out = ctxAdd(out, nodeId, seq);
  }
  return out;
}

export function ctxMerge(a: DotContext, b: DotContext): DotContext {
  if (a === b) return a;
  const out: Record<string, OriginRange> = {};
  for (const node of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = getOwn(a, node);
    const y = getOwn(b, node);
    if (x === undefined || y === undefined) {
      put(out, node, (x ?? y) as OriginRange);
      continue;
    }
    const hw = Math.max(x.hw, y.hw);
    const ex = [...new Set([...x.ex, ...y.ex])].filter((s) => s > hw).sort((p, q) => p - q);
    put(out, node, compact(hw, ex));
  }
  return out;
}

/** Highest contiguous seq per origin: "everything up to N from X is in the set". */
export function ctxHighWater(ctx: DotContext): VersionVector {
  const out: Record<string, number> = {};
  for (const node of Object.keys(ctx)) {
    const hw = getOwn(ctx, node)?.hw ?? 0;
    if (hw > 0) put(out, node, hw);
  }
  return out;
}

/** Number of dots held as exceptions above the high-water mark, for one origin. */
export function ctxPending(ctx: DotContext, nodeId: string): number {
  return getOwn(ctx, nodeId)?.ex.length ?? 0;
}

/** Next unused seq for a node's own new dot (state-based types mint dots locally). */
export function ctxNextSeq(ctx: DotContext, nodeId: string): number {
  const r = getOwn(ctx, nodeId);
  if (r === undefined) return 1;
  return (r.ex.length > 0 ? (r.ex[r.ex.length - 1] as number) : r.hw) + 1;
}

function compact(hw: number, ex: readonly number[]): OriginRange {
  let h = hw;
  let i = 0;
  while (i < ex.length && (ex[i] as number) <= h + 1) {
    h = Math.max(h, ex[i] as number);
    i++;
  }
  return { hw: h, ex: i === 0 ? ex : ex.slice(i) };
}

function binarySearch(arr: readonly number[], x: number): number {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = arr[mid] as number;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}
