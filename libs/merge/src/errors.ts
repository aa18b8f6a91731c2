/**
 * One error root for the library, so callers can `instanceof MergeError` and switch on `code`.
 * `retriable` tells a consumer whether holding the event and retrying later can succeed
 * (e.g. a clock that catches up) or whether the input itself is wrong.
 */
import { MeridianError } from '@meridian/errors';

export type MergeErrorCode =
  | 'HLC_SKEW'
  | 'HLC_LOGICAL_OVERFLOW'
  | 'INVALID_HLC'
  | 'INVALID_OPERATION'
  | 'INVALID_STATE'
  | 'NON_CANONICAL_VALUE'
  | 'COUNTER_OVERFLOW'
  | 'DEDUP_WINDOW_EXCEEDED';

/** An operation the merge rules refuse (bad HLC, non-canonical value, overflow); never retriable: the same input fails the same way in every region. */
export class MergeError extends MeridianError<MergeErrorCode> {}

/** A remote HLC stamp is further ahead of our wall clock than `maxForwardSkewMs`; it was not adopted. */
export class HlcSkewError extends MergeError {
  constructor(
    readonly remoteWallMs: number,
    readonly localWallMs: number,
    readonly maxForwardSkewMs: number,
  ) {
    super(
      'HLC_SKEW',
      `remote HLC wallMs ${remoteWallMs} is ${remoteWallMs - localWallMs} ms ahead of local wall clock ` +
        `${localWallMs}; max accepted forward skew is ${maxForwardSkewMs} ms`,
      // Retrying once the local clock has caught up can succeed; persistent failures mean a bad clock.
      { retriable: true },
    );
  }
}

/** The logical counter would exceed MAX_LOGICAL; the wall clock advancing clears it. */
export class HlcLogicalOverflowError extends MergeError {
  constructor(wallMs: number) {
    super('HLC_LOGICAL_OVERFLOW', `HLC logical counter overflow at wallMs ${wallMs}`, { retriable: true });
  }
}

export class InvalidHlcError extends MergeError {
  constructor(message: string) {
    super('INVALID_HLC', message);
  }
}

export class InvalidOperationError extends MergeError {
  constructor(message: string) {
    super('INVALID_OPERATION', message);
  }
}

/** Two states disagree about the same dot, which only happens if one of them was corrupted or forged. */
export class InvalidStateError extends MergeError {
  constructor(message: string) {
    super('INVALID_STATE', message);
  }
}

export class NonCanonicalValueError extends MergeError {
  constructor(message: string) {
    super('NON_CANONICAL_VALUE', message);
  }
}

export class CounterOverflowError extends MergeError {
  constructor(message: string) {
    super('COUNTER_OVERFLOW', message);
  }
}

/**
 * Too many events from one origin arrived ahead of a missing one. Retriable: hold the event back
 * until the gap is filled (the at-least-once transport redelivers it) instead of growing the state.
 */
export class DedupWindowExceededError extends MergeError {
  constructor(origin: string, pending: number, limit: number) {
    super(
      'DEDUP_WINDOW_EXCEEDED',
      `origin ${origin} has ${pending} events applied above its contiguous high-water mark (limit ${limit})`,
      { retriable: true },
    );
  }
}
