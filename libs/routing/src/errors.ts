/** Root of every error thrown by @meridian/routing. */
export type RoutingErrorCode =
  | 'UNKNOWN_REGION' // X-Meridian-Region names a region the gateway does not know (400)
  | 'NOT_ROUTABLE' // no upstream serves this path (404)
  | 'BODY_TOO_LARGE' // request body over maxBodyBytes (413)
  | 'RATE_LIMITED' // the region's token bucket is empty (429)
  | 'OVERLOADED' // the region has maxInFlight requests in flight (429)
  | 'NO_ELIGIBLE_REGION' // no healthy region (accepting writes, for a write) with a closed breaker (503)
  | 'UPSTREAM_FAILED' // an upstream failed before the request reached it, or a safe retry ran out (502)
  | 'OUTCOME_UNKNOWN' // a write without Idempotency-Key failed after it was sent (502/504): not retried
  | 'DRAINING' // the gateway is shutting down (503)
  | 'INVALID_CONFIG';

export class RoutingError extends Error {
  override readonly name: string = 'RoutingError';
  constructor(
    message: string,
    readonly code: RoutingErrorCode,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /** HTTP status the gateway answers with. */
  get httpStatus(): number {
    return STATUS[this.code];
  }
  /** Seconds a client should wait before retrying (HTTP Retry-After), when retriable. */
  get retryAfterSeconds(): number | undefined {
    return this.retriable ? 1 : undefined;
  }
  /** The JSON body the gateway answers with. */
  toJSON(): Record<string, unknown> {
    return { statusCode: this.httpStatus, error: this.code, message: this.message };
  }
}

const STATUS: Record<RoutingErrorCode, number> = {
  UNKNOWN_REGION: 400,
  NOT_ROUTABLE: 404,
  BODY_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  OVERLOADED: 429,
  NO_ELIGIBLE_REGION: 503,
  UPSTREAM_FAILED: 502,
  OUTCOME_UNKNOWN: 502,
  DRAINING: 503,
  INVALID_CONFIG: 500,
};

export class UnknownRegionError extends RoutingError {
  override readonly name = 'UnknownRegionError';
  constructor(
    readonly header: string,
    readonly region: string,
    readonly known: readonly string[],
  ) {
    super(
      `header ${header} names unknown region "${region}"; known regions: ${known.join(', ')}`,
      'UNKNOWN_REGION',
      false,
    );
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), header: this.header, region: this.region, known: this.known };
  }
}

/** Over the region's rate limit (`rateLimitPerSec`) or in-flight cap (`maxInFlight`): 429. */
export class LimitExceededError extends RoutingError {
  override readonly name = 'LimitExceededError';
  constructor(
    readonly region: string,
    readonly limit: 'rateLimitPerSec' | 'maxInFlight',
    readonly value: number,
    private readonly retryAfter: number,
  ) {
    super(
      limit === 'rateLimitPerSec'
        ? `region ${region} is over its rate limit (rateLimitPerSec ${value})`
        : `region ${region} already has maxInFlight (${value}) requests in flight; request shed`,
      limit === 'rateLimitPerSec' ? 'RATE_LIMITED' : 'OVERLOADED',
      true,
    );
  }
  override get retryAfterSeconds(): number {
    return this.retryAfter;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), region: this.region, limit: this.limit, value: this.value };
  }
}

/** Why a region could not take a request, for the 503 body and the logs. */
export type IneligibleReason =
  'unhealthy' | 'breaker-open' | 'not-accepting-writes' | 'rate-limited' | 'overloaded' | 'failed';

export class NoEligibleRegionError extends RoutingError {
  override readonly name = 'NoEligibleRegionError';
  constructor(
    readonly write: boolean,
    readonly reasons: Readonly<Record<string, IneligibleReason>>,
    private readonly retryAfter = 1,
  ) {
    super(
      `no region can take this ${write ? 'write' : 'read'}: ${
        Object.entries(reasons)
          .map(([r, why]) => `${r} ${why}`)
          .join(', ') || 'no regions configured'
      }`,
      'NO_ELIGIBLE_REGION',
      true,
    );
  }
  override get retryAfterSeconds(): number {
    return this.retryAfter;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reasons: this.reasons };
  }
}

/**
 * A write without `Idempotency-Key` failed after it was sent (connection reset, timeout): it may or
 * may not have been applied, so it is not retried elsewhere. 504 after a timeout, else 502.
 */
export class OutcomeUnknownError extends RoutingError {
  override readonly name = 'OutcomeUnknownError';
  constructor(
    readonly region: string,
    readonly timedOut: boolean,
    cause: unknown,
  ) {
    super(
      `the write ${timedOut ? 'timed out' : 'lost its connection'} in ${region} after it was sent: ` +
        'its outcome is unknown (it may or may not have been applied). It was not retried because it ' +
        'carries no Idempotency-Key; read the resource back, or resend it with an Idempotency-Key.',
      'OUTCOME_UNKNOWN',
      false,
      { cause },
    );
  }
  override get httpStatus(): number {
    return this.timedOut ? 504 : 502;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), outcome: 'unknown', region: this.region };
  }
}

/** Upstream failures with nothing left to try (every candidate failed, or a retry was unsafe). */
export class UpstreamFailedError extends RoutingError {
  override readonly name = 'UpstreamFailedError';
  constructor(
    readonly attempts: readonly { region: string; error: string }[],
    cause: unknown,
  ) {
    super(
      `every attempt failed: ${attempts.map((a) => `${a.region}: ${a.error}`).join('; ')}`,
      'UPSTREAM_FAILED',
      true,
      { cause },
    );
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), attempts: this.attempts };
  }
}
