/** Root of every error thrown by @meridian/quorum. */
import { MeridianError } from '@meridian/errors';

export type QuorumErrorCode =
  | 'UNREACHABLE' // the local etcd member did not answer in time (or has no quorum): retry later
  | 'CONFLICT' // a compare-and-swap lost: someone else changed the designation first
  | 'NO_DESIGNATION' // the namespace holds no designation yet (run initDesignation)
  | 'CORRUPT' // a stored value is not what this library writes
  | 'UNKNOWN_REGION'
  | 'ALREADY_PRIMARY'
  | 'NO_LIVE_MEMBER'
  | 'INVALID_CONFIG'
  | 'CLOSED';

export class QuorumError extends MeridianError<QuorumErrorCode> {}

/** A compare-and-swap on the designation found another revision than the one it was based on. */
export class DesignationConflictError extends QuorumError {
  override readonly name = 'DesignationConflictError';
  constructor(
    readonly expectedRevision: string,
    readonly actualRevision: string | undefined,
    what: string,
  ) {
    super(
      'CONFLICT',
      `${what}: the designation changed meanwhile (expected mod revision ${expectedRevision}, found ${
        actualRevision ?? 'none'
      }); re-read it and decide again`,
    );
  }
}

/** Wraps an etcd client failure (timeout, unavailable, no leader) as a retriable UNREACHABLE. */
export function unreachable(what: string, cause: unknown): QuorumError {
  if (cause instanceof QuorumError) return cause;
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new QuorumError('UNREACHABLE', `${what}: etcd did not answer (${msg})`, { retriable: true, cause });
}
