import { canonicalEncode, type Value } from './canonical';
import { ctxAdd, ctxMerge, ctxNextSeq, dotKey, type DotContext, type DotKey } from './dot-context';
import { joinDotSet, joinKeyed } from './dot-store';
import { InvalidOperationError } from './errors';
import { isValidNodeId } from './hlc';
import { getOwn, withKey, withoutKey, type Rec } from './record';

/** An element and the (sorted) dots of the adds that are still live for it. */
export interface SetElement {
  readonly value: Value;
  readonly dots: readonly DotKey[];
}

/**
 * Observed-remove set, add-wins: a remove deletes only the add-dots its writer had seen, so an
 * add concurrent with a remove survives. Elements are keyed by their canonical encoding, so
 * structurally equal values are one element. `ctx` holds every dot seen (instead of tombstones).
 */
export interface OrSet {
  readonly elements: Rec<SetElement>;
  readonly ctx: DotContext;
}

export function elementKey(value: Value): string {
  return canonicalEncode(value);
}

export function orSetEmpty(): OrSet {
  return { elements: {}, ctx: {} };
}

export function orSetAdd(set: OrSet, nodeId: string, value: Value): OrSet {
  if (!isValidNodeId(nodeId)) throw new InvalidOperationError(`invalid nodeId ${JSON.stringify(nodeId)}`);
  const seq = ctxNextSeq(set.ctx, nodeId);
  // One fresh dot replaces the dots this replica had seen for the element, which keeps tags few.
  const el: SetElement = { value, dots: [dotKey(nodeId, seq)] };
  return { elements: withKey(set.elements, elementKey(value), el), ctx: ctxAdd(set.ctx, nodeId, seq) };
}

export function orSetRemove(set: OrSet, value: Value): OrSet {
  // The removed dots are already in ctx, which is what makes the removal stick on merge.
  const elements = withoutKey(set.elements, elementKey(value));
  return elements === set.elements ? set : { elements, ctx: set.ctx };
}

export function orSetHas(set: OrSet, value: Value): boolean {
  return getOwn(set.elements, elementKey(value)) !== undefined;
}

/** Members sorted by canonical encoding. */
export function orSetValues(set: OrSet): Value[] {
  return Object.keys(set.elements)
    .sort()
    .map((k) => (set.elements[k] as SetElement).value);
}

export function orSetMerge(a: OrSet, b: OrSet): OrSet {
  return { elements: joinElements(a.elements, a.ctx, b.elements, b.ctx), ctx: ctxMerge(a.ctx, b.ctx) };
}

export function joinElements(
  a: Rec<SetElement>,
  ca: DotContext,
  b: Rec<SetElement>,
  cb: DotContext,
): Rec<SetElement> {
  return joinKeyed(a, b, (x, y) => {
    const dots = joinDotSet(x?.dots ?? [], ca, y?.dots ?? [], cb);
    if (dots.length === 0) return undefined;
    const value = (x ?? y) as SetElement;
    return x !== undefined && dots === x.dots ? x : { value: value.value, dots };
  });
}
