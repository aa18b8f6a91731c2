/** Root of every error thrown by @meridian/publisher. */
export type PublisherErrorCode =
  | 'NOT_STORED' // the broker did not acknowledge: nothing was stored (retry is safe)
  | 'SHUTTING_DOWN'
  | 'NOT_WRITER' // this region may not accept writes now (fenced / not primary)
  | 'INVALID_EVENT'
  | 'INVALID_CONFIG';

export class PublisherError extends Error {
  override readonly name = 'PublisherError';
  constructor(
    message: string,
    readonly code: PublisherErrorCode,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /** Seconds a client should wait before retrying (HTTP Retry-After), when retriable. */
  get retryAfterSeconds(): number | undefined {
    return this.retriable ? 1 : undefined;
  }
}
