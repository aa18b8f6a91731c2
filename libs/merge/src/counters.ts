import { CounterOverflowError, InvalidOperationError } from './errors';
import { isValidNodeId } from './hlc';
import { getOwn, put, type Rec } from './record';

/**
 * Grow-only counter: one component per node, each only ever increased by its own node.
 * Merge is the pointwise max (a component is a node's running total, so the larger one has seen
 * more of that node's increments); value is the exact sum.
 */
export type GCounter = Rec<number>;

/** Increments and decrements as two grow-only counters; value = sum(p) - sum(n). */
export interface PnCounter {
  readonly p: GCounter;
  readonly n: GCounter;
}

export function gcEmpty(): GCounter {
  return {};
}

export function gcIncrement(c: GCounter, nodeId: string, by = 1): GCounter {
  if (!isValidNodeId(nodeId)) throw new InvalidOperationError(`invalid nodeId ${JSON.stringify(nodeId)}`);
  assertAmount(by);
  if (by === 0) return c;
  return { ...c, [nodeId]: checkedSum((getOwn(c, nodeId) ?? 0) + by) };
}

export function gcMerge(a: GCounter, b: GCounter): GCounter {
  const out: Record<string, number> = { ...a };
  for (const node of Object.keys(b)) put(out, node, Math.max(getOwn(a, node) ?? 0, getOwn(b, node) ?? 0));
  return out;
}

/** Exact sum; throws COUNTER_OVERFLOW rather than return a rounded number. */
export function gcValue(c: GCounter): number {
  let sum = 0;
  for (const v of Object.values(c)) sum = checkedSum(sum + v);
  return sum;
}

export function pnEmpty(): PnCounter {
  return { p: {}, n: {} };
}

export function pnIncrement(c: PnCounter, nodeId: string, by = 1): PnCounter {
  return { p: gcIncrement(c.p, nodeId, by), n: c.n };
}

export function pnDecrement(c: PnCounter, nodeId: string, by = 1): PnCounter {
  return { p: c.p, n: gcIncrement(c.n, nodeId, by) };
}

export function pnMerge(a: PnCounter, b: PnCounter): PnCounter {
  return { p: gcMerge(a.p, b.p), n: gcMerge(a.n, b.n) };
}

export function pnValue(c: PnCounter): number {
  return checkedSum(gcValue(c.p) - gcValue(c.n));
}

function assertAmount(by: number): void {
  if (!Number.isSafeInteger(by) || by < 0) {
    throw new InvalidOperationError(`counter amount must be a non-negative safe integer, got ${by}`);
  }
}

export function checkedSum(n: number): number {
  if (!Number.isSafeInteger(n)) throw new CounterOverflowError(`counter value ${n} is not a safe integer`);
  return n;
}
