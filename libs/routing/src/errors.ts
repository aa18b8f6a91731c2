/** Root of every error thrown by @meridian/routing. */
import { MeridianError } from '@meridian/errors';

export type RoutingErrorCode =
  | 'UNKNOWN_REGION' // X-Meridian-Region names a region the gateway does not know (400)
  | 'NOT_ROUTABLE' // no upstream serves this path (404)
  | 'BODY_TOO_LARGE' // request body over maxBodyBytes (413)
  | 'RATE_LIMITED' // the region's token bucket is empty (429)
  | 'OVERLOADED' // the region has maxInFlight requests in flight (429)
  | 'NO_ELIGIBLE_REGION' // no healthy region (accepting writes, for a write) with a closed breaker (503)
  | 'UPSTREAM_FAILED' // every attempt failed and none may have stored anything (502)
  | 'OUTCOME_UNKNOWN' // a write may or may not be stored (timeout, reset or 5xx after the send) (504)
  | 'DRAINING' // the gateway is shutting down (503)
  | 'INVALID_CONFIG';

export class RoutingError extends MeridianError<RoutingErrorCode> {
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
  OUTCOME_UNKNOWN: 504, // as the profile-service's own OUTCOME_UNKNOWN
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
      'UNKNOWN_REGION',
      `header ${header} names unknown region "${region}"; known regions: ${known.join(', ')}`,
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
      limit === 'rateLimitPerSec' ? 'RATE_LIMITED' : 'OVERLOADED',
      limit === 'rateLimitPerSec'
        ? `region ${region} is over its rate limit (rateLimitPerSec ${value})`
        : `region ${region} already has maxInFlight (${value}) requests in flight; request shed`,
      { retriable: true },
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
      'NO_ELIGIBLE_REGION',
      `no region can take this ${write ? 'write' : 'read'}: ${
        Object.entries(reasons)
          .map(([r, why]) => `${r} ${why}`)
          .join(', ') || 'no regions configured'
      }`,
      { retriable: true },
    );
  }
  override get retryAfterSeconds(): number {
    return this.retryAfter;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reasons: this.reasons };
  }
}

/** How a write that may have been stored failed. */
export type UnknownOutcomeKind = 'timeout' | 'reset' | 'status';

/**
 * A write failed after it was (or may have been) sent: a timeout, a connection lost, or a 5xx other
 * than a refusal before the send. It may or may not be stored: 504, like the profile-service's own
 * `OUTCOME_UNKNOWN`. Without an `Idempotency-Key` it is not resent anywhere; with one it was resent
 * until the regions ran out, and the client resends it with the same key.
 */
export class OutcomeUnknownError extends RoutingError {
  override readonly name = 'OutcomeUnknownError';
  constructor(
    readonly region: string,
    readonly kind: UnknownOutcomeKind,
    readonly keyed: boolean,
    cause: unknown,
    /** The upstream's status, for `kind: 'status'`. */
    readonly upstreamStatus?: number,
    readonly attempts: readonly { region: string; error: string }[] = [],
  ) {
    super(
      'OUTCOME_UNKNOWN',
      `the write ${
        kind === 'timeout'
          ? 'timed out'
          : kind === 'reset'
            ? 'lost its connection'
            : `was answered ${upstreamStatus ?? '5xx'}`
      } in ${region} after it was sent: its outcome is unknown (it may or may not be stored). ` +
        (keyed
          ? 'Resend it with the same Idempotency-Key: it is applied at most once.'
          : 'It was not resent because it carries no Idempotency-Key: read the resource back before ' +
            'resending it, and resend writes with an Idempotency-Key so that retries are safe.'),
      { retriable: keyed, cause },
    );
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      outcome: 'unknown',
      region: this.region,
      ...(this.upstreamStatus !== undefined ? { upstreamStatus: this.upstreamStatus } : {}),
      ...(this.attempts.length > 0 ? { attempts: this.attempts } : {}),
    };
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
      'UPSTREAM_FAILED',
      `every attempt failed: ${attempts.map((a) => `${a.region}: ${a.error}`).join('; ')}`,
      { retriable: true, cause },
    );
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), attempts: this.attempts };
  }
}
