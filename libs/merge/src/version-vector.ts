import { InvalidOperationError } from './errors';
import { put } from './record';

/**
 * Version vector: nodeId -> highest contiguous sequence number seen from that node.
 * Canonical form omits zero entries, so `{}` and `{ a: 0 }` never both appear.
 */
export type VersionVector = { readonly [nodeId: string]: number };
export type Causality = 'before' | 'after' | 'equal' | 'concurrent';

function get(vv: VersionVector, node: string): number {
  return Object.prototype.hasOwnProperty.call(vv, node) ? (vv[node] ?? 0) : 0;
}

/** `before`: a happened before b (b has seen everything a has, and more). */
export function vvCompare(a: VersionVector, b: VersionVector): Causality {
  let aAhead = false;
  let bAhead = false;
  for (const node of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = get(a, node);
    const y = get(b, node);
    if (x > y) aAhead = true;
    else if (y > x) bAhead = true;
    if (aAhead && bAhead) return 'concurrent';
  }
  return aAhead ? 'after' : bAhead ? 'before' : 'equal';
}

/** a has seen everything b has (a >= b pointwise). */
export function vvDominates(a: VersionVector, b: VersionVector): boolean {
  return Object.keys(b).every((node) => get(a, node) >= get(b, node));
}

/** Has the holder of `vv` seen event `seq` from `nodeId`? */
export function vvIncludes(vv: VersionVector, nodeId: string, seq: number): boolean {
  return seq <= get(vv, nodeId);
}

export function vvMerge(a: VersionVector, b: VersionVector): VersionVector {
  const out: Record<string, number> = { ...a };
  for (const node of Object.keys(b)) put(out, node, Math.max(get(a, node), get(b, node)));
  return out;
}

export function vvIncrement(vv: VersionVector, nodeId: string): VersionVector {
  return vvSet(vv, nodeId, get(vv, nodeId) + 1);
}

/** Returns a normalised copy; rejects entries that are not non-negative safe integers. */
export function vvFrom(entries: Readonly<Record<string, number>>): VersionVector {
  let out: VersionVector = {};
  for (const [node, n] of Object.entries(entries)) {
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidOperationError(`version vector ${node}=${n}`);
    if (n > 0) out = vvSet(out, node, n);
  }
  return out;
}

function vvSet(vv: VersionVector, node: string, n: number): VersionVector {
  return { ...vv, [node]: n };
}
