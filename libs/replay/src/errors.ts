/** Root of every error thrown by @meridian/replay. */
export type ReplayErrorCode =
  'TARGET_NOT_EMPTY' | 'LIVE_PROJECTOR_RUNNING' | 'INVALID_OPTION' | 'STRICT_POISON';

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
  constructor(
    message: string,
    readonly code: ReplayErrorCode,
    readonly retriable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
