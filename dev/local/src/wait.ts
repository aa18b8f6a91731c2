export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/** Thrown from a condition to stop waiting at once (e.g. the process we wait for has exited). */
export class WaitAbortError extends Error {
  override readonly name = 'WaitAbortError';
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Said in the timeout error: what we were waiting for. */
  description: string;
}

/** Polls `condition` until it returns a value other than false/undefined, or the deadline passes. */
export async function waitFor<T>(
  condition: () => Promise<T | false | undefined> | T | false | undefined,
  opts: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await condition();
      if (v !== false && v !== undefined) return v;
    } catch (e) {
      if (e instanceof WaitAbortError) throw (e.cause as Error | undefined) ?? e;
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new WaitTimeoutError(
        `timed out after ${opts.timeoutMs} ms waiting for ${opts.description}${why}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
