import { compareValues, type Value } from './canonical';
import { ctxAdd, ctxMerge, ctxNextSeq, dotKey, type DotContext } from './dot-context';
import { joinDotFun, type DotFun } from './dot-store';
import { isValidNodeId } from './hlc';
import { InvalidOperationError } from './errors';

/**
 * Multi-value register: an assignment replaces every value its writer had seen; assignments
 * that did not see each other are all kept, so a caller can surface the conflict.
 * `entries` maps the writing event's dot to its value; `ctx` holds every dot seen.
 */
export interface MvRegister {
  readonly entries: DotFun<Value>;
  readonly ctx: DotContext;
}

export function mvEmpty(): MvRegister {
  return { entries: {}, ctx: {} };
}

export function mvAssign(reg: MvRegister, nodeId: string, value: Value): MvRegister {
  if (!isValidNodeId(nodeId)) throw new InvalidOperationError(`invalid nodeId ${JSON.stringify(nodeId)}`);
  const seq = ctxNextSeq(reg.ctx, nodeId);
  // The old entries' dots are already in ctx, so dropping them records that they were superseded.
  return { entries: { [dotKey(nodeId, seq)]: value }, ctx: ctxAdd(reg.ctx, nodeId, seq) };
}

export function mvMerge(a: MvRegister, b: MvRegister): MvRegister {
  return { entries: joinDotFun(a.entries, a.ctx, b.entries, b.ctx), ctx: ctxMerge(a.ctx, b.ctx) };
}

/** Concurrent values, sorted canonically (one value when there is no conflict). */
export function mvValues(reg: MvRegister): Value[] {
  return Object.values(reg.entries).sort(compareValues);
}
