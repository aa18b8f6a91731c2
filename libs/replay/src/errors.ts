/** Root of every error thrown by @meridian/replay. */
import { MeridianError } from '@meridian/errors';

export type ReplayErrorCode =
  'TARGET_NOT_EMPTY' | 'LIVE_PROJECTOR_RUNNING' | 'INVALID_OPTION' | 'STRICT_POISON';

export class ReplayError extends MeridianError<ReplayErrorCode> {}
