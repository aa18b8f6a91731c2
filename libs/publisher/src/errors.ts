/** Root of every error thrown by @meridian/publisher. */
import { MeridianError } from '@meridian/errors';

export type PublisherErrorCode =
  | 'NOT_STORED' // certainly nothing of this write reached a log: retry is safe (503)
  | 'OUTCOME_UNKNOWN' // it may or may not be stored: retry only with the same Idempotency-Key (504)
  | 'SHUTTING_DOWN' // refused before anything was sent (503)
  | 'NOT_WRITER' // this region may not accept writes now (fenced / not primary); nothing sent (503)
  | 'CLOCK_SKEW' // this writer's clock is past the projectors' skew bound; nothing sent (503, not retriable)
  | 'REMOTE_UNCONFIRMED' // stored in this region, not confirmed in another within the deadline (504)
  | 'DURABILITY_UNAVAILABLE' // a remote write was asked for where none can be confirmed; nothing sent (503)
  | 'INVALID_EVENT'
  | 'INVALID_CONFIG';

/** A write was refused or its outcome is unknown; `code` and `retriable` say which, the filter maps it to 4xx/503. */
export class PublisherError extends MeridianError<PublisherErrorCode> {
  constructor(
    code: PublisherErrorCode,
    message: string,
    options: { retriable?: boolean; cause?: unknown; storedButRejected?: boolean } = {},
  ) {
    super(code, message, options);
    this.storedButRejected = options.storedButRejected ?? false;
  }
  /** CLOCK_SKEW after the broker stored it: in the log, but dead-lettered by every projector. */
  readonly storedButRejected: boolean;
  /** Seconds a client should wait before retrying (HTTP Retry-After), when retriable. */
  get retryAfterSeconds(): number | undefined {
    return this.retriable ? 1 : undefined;
  }
  /** True when the broker certainly stored nothing of the write (a resend anywhere is safe). */
  get certainlyNotStored(): boolean {
    return this.code !== 'OUTCOME_UNKNOWN' && this.code !== 'REMOTE_UNCONFIRMED' && !this.storedButRejected;
  }
}
