import CircuitBreaker from 'opossum';
import { Pool, type Dispatcher } from 'undici';
import type { HealthProbe } from './checker';
import type { BreakerState } from './health';
import type { RoutingSettings, UpstreamService } from './options';

/** A request as forwarded upstream (headers already cleaned of hop-by-hop ones). */
export interface ForwardRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
  signal?: AbortSignal;
}

/** An answer from upstream: the body streams unless it was buffered (5xx, refusals). */
export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'] | Buffer;
  /** 503 whose JSON `error` is one of `REFUSED_BEFORE_PUBLISH`: nothing was stored. */
  refusal?: string;
  /** The JSON `error` of a buffered 5xx answer (`OUTCOME_UNKNOWN`, `NOT_STORED`, ...), if any. */
  errorCode?: string;
}

/**
 * Upstream `error` codes (in a 503 JSON body) that mean nothing of the write was stored, so resending
 * it to another region is always safe, and that the region does not take writes now. NOT_STORED: the
 * broker certainly stored nothing (e.g. unreachable); NOT_WRITER / NOT_PRIMARY (older services): the
 * region may not write now; SHUTTING_DOWN: the publisher refuses new writes while it drains.
 */
export const REFUSED_BEFORE_PUBLISH: readonly string[] = [
  'NOT_STORED',
  'NOT_WRITER',
  'NOT_PRIMARY',
  'SHUTTING_DOWN',
];

/** The profile-service's answer (504) for a write that may or may not be stored. */
export const OUTCOME_UNKNOWN_CODE = 'OUTCOME_UNKNOWN';

/** An upstream 5xx (not a refusal): counted as a failure by the breaker; carries the buffered answer. */
export class UpstreamStatusError extends Error {
  override readonly name = 'UpstreamStatusError';
  constructor(readonly response: UpstreamResponse & { body: Buffer }) {
    super(`upstream answered ${response.statusCode}`);
  }
}

/**
 * How a failed attempt failed, which decides whether resending is safe:
 * - `not-sent`: the request never reached the upstream (connection refused, connect timeout,
 *   breaker open): any request may go elsewhere.
 * - `reset` / `timeout`: it was (or may have been) sent: only reads and writes carrying an
 *   `Idempotency-Key` may be resent.
 * - `aborted`: the client went away.
 */
export type FailureKind = 'not-sent' | 'reset' | 'timeout' | 'aborted';

const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'EOPENBREAKER',
  'ESEMLOCKED',
  'ESHUTDOWN',
]);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

export function classifyFailure(e: unknown): FailureKind {
  const err = e as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const causeCode = typeof err?.cause?.code === 'string' ? err.cause.code : undefined;
  if (err?.name === 'AbortError' || code === 'UND_ERR_ABORTED') return 'aborted';
  if ((code && NOT_SENT.has(code)) || (causeCode && NOT_SENT.has(causeCode))) return 'not-sent';
  if ((code && TIMEOUT.has(code)) || err?.name === 'TimeoutError') return 'timeout';
  return 'reset';
}

/** Errors the breaker did not see from the upstream itself (open breaker, shut down). */
export function isBreakerRejection(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 'EOPENBREAKER' || code === 'ESEMLOCKED' || code === 'ESHUTDOWN';
}

/** Buffered responses (5xx bodies, health answers) are read up to this size. */
const MAX_BUFFERED_BYTES = 64 * 1024;

async function readCapped(body: Dispatcher.ResponseData['body'], max = MAX_BUFFERED_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) {
      body.destroy();
      break;
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function errorCodeOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown } | null;
    return typeof parsed?.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One region's upstream service: a keep-alive undici `Pool` and an opossum circuit breaker that
 * opens on the error percentage (connection failures, timeouts, 5xx) over a rolling window and lets
 * one trial request through after `breakerResetTimeoutMs`.
 */
export class Upstream implements HealthProbe {
  private readonly pool: Pool;
  readonly breaker: CircuitBreaker<[ForwardRequest], UpstreamResponse>;

  constructor(
    readonly region: string,
    readonly service: UpstreamService,
    readonly baseUrl: string,
    settings: RoutingSettings,
    observeLatency: (seconds: number) => void,
  ) {
    this.pool = new Pool(baseUrl, {
      connectTimeout: settings.upstreamConnectTimeoutMs,
      headersTimeout: settings.upstreamTimeoutMs,
      bodyTimeout: settings.upstreamTimeoutMs,
      keepAliveTimeout: 30_000,
    });
    const action = async (req: ForwardRequest): Promise<UpstreamResponse> => {
      const t0 = performance.now();
      try {
        return await this.send(req);
      } finally {
        observeLatency((performance.now() - t0) / 1000);
      }
    };
    this.breaker = new CircuitBreaker(action, {
      name: `${region}/${service}`,
      timeout: false, // undici's headers/body timeouts apply instead
      errorThresholdPercentage: settings.breakerErrorThresholdPercentage,
      rollingCountTimeout: settings.breakerRollingWindowMs,
      rollingCountBuckets: 10,
      volumeThreshold: settings.breakerVolumeThreshold,
      resetTimeout: settings.breakerResetTimeoutMs,
      // The client going away says nothing about the upstream.
      errorFilter: (e: unknown) => classifyFailure(e) === 'aborted',
    });
  }

  get breakerState(): BreakerState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'half-open';
    return 'closed';
  }

  /** Sends through the breaker: rejects with `UpstreamStatusError` on a 5xx that is not a refusal. */
  forward(req: ForwardRequest): Promise<UpstreamResponse> {
    return this.breaker.fire(req);
  }

  private async send(req: ForwardRequest): Promise<UpstreamResponse> {
    const res = await this.pool.request({
      method: req.method as Dispatcher.HttpMethod,
      path: req.path,
      headers: req.headers,
      body: req.body && req.body.length > 0 ? req.body : null,
      signal: req.signal,
    });
    if (res.statusCode < 500) return { statusCode: res.statusCode, headers: res.headers, body: res.body };
    const body = await readCapped(res.body);
    const errorCode = errorCodeOf(body);
    const buffered = {
      statusCode: res.statusCode,
      headers: res.headers,
      body,
      ...(errorCode !== undefined ? { errorCode } : {}),
    };
    // A refusal is an answer, not a failure of the upstream (it counts neither for the breaker
    // nor for health): the gateway stops sending it writes and resends this one elsewhere.
    if (res.statusCode === 503 && errorCode !== undefined && REFUSED_BEFORE_PUBLISH.includes(errorCode))
      return { ...buffered, refusal: errorCode };
    throw new UpstreamStatusError(buffered);
  }

  /**
   * `GET /health` outside the breaker (checks must keep running while it is open). Resolves with
   * the round trip in ms and the parsed JSON body (undefined if not JSON); rejects on failure.
   */
  async check(timeoutMs: number): Promise<{ rttMs: number; body: unknown }> {
    const t0 = performance.now();
    const res = await this.pool.request({
      method: 'GET',
      path: '/health',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const raw = await readCapped(res.body);
    const rttMs = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`health answered ${res.statusCode}`);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    return { rttMs, body };
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await this.pool.destroy();
  }
}
