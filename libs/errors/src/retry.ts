import { backOff } from 'exponential-backoff';
import { isRetriable } from './errors';

export interface RetryOptions {
  /** Which failures are worth another attempt. Default: `isRetriable` (the error says so). */
  readonly retriable?: (e: unknown) => boolean;
  /** The first delay's ceiling; each later one doubles, up to `maxDelayMs`. Default 100. */
  readonly initialDelayMs?: number;
  /** Default 5 000. */
  readonly maxDelayMs?: number;
  /** Attempts in all, the first included. Default: no limit (until `stop` or a non-retriable error). */
  readonly maxAttempts?: number;
  /** Asked before each retry: true gives up, rethrowing the last error. */
  readonly stop?: () => boolean;
  /** Before each retry's delay (log it, heartbeat). `attempt` is the attempt that failed, from 1. */
  readonly onRetry?: (e: unknown, attempt: number) => void | Promise<void>;
}

/**
 * The one retry loop: exponential backoff with full jitter (each delay uniform in [0, ceiling]),
 * so callers that failed together do not retry together. Built on `exponential-backoff`.
 */
export function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const retriable = o.retriable ?? isRetriable;
  let attempt = 0;
  return backOff(() => fn(++attempt), {
    jitter: 'full',
    startingDelay: o.initialDelayMs ?? 100,
    maxDelay: o.maxDelayMs ?? 5_000,
    timeMultiple: 2,
    numOfAttempts: o.maxAttempts ?? Number.MAX_SAFE_INTEGER,
    retry: async (e: unknown, n: number) => {
      if (!retriable(e) || o.stop?.() === true) return false;
      await o.onRetry?.(e, n);
      return true;
    },
  });
}
