import type { MeridianEvent } from '@meridian/contract';
import type { Document, Mutation, Operation } from '@meridian/merge';

/**
 * What an aggregate is to Meridian, in its two directions. The writer turns a command into steps
 * (a mutation of its view, and the event payload it becomes); every projector turns the event
 * back into the same merge operation. `@meridian/publisher` takes steps, `@meridian/projector`
 * takes models.
 */
export interface WriteStep<
  // A team's event types are strings (their names are not among the contract's generated ones).
  P extends { readonly type: string } = { readonly type: string } & Record<string, unknown>,
> {
  mutation: (view: Document, origin: string) => Mutation;
  payload: (op: Operation) => P;
  /**
   * `'own'`: the mutation reads nothing of the view but what its own origin wrote (a counter's
   * running totals). A session's origin is new to its aggregate, so such a step is exact on a view
   * that holds only the session's own writes, and a write of only such steps does not wait for the
   * projector's snapshot. Anything else (the default) reads other writers' dots and waits.
   */
  reads?: 'own';
}

/** How one aggregate type's events become merge operations, as every projector folds them. */
export interface AggregateModel<E extends MeridianEvent = MeridianEvent> {
  readonly aggregateType: string;
  toOperation(event: E): Operation;
}
