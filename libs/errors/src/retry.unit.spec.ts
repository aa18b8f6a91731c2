import { MeridianError, isRetriable } from './errors';
import { retry } from './retry';

const transient = () => new MeridianError('BUSY', 'try again', { retriable: true });
const permanent = () => new MeridianError('BAD', 'never', { retriable: false });

describe('retry', () => {
  it('retries retriable failures until one attempt succeeds', async () => {
    const seen: number[] = [];
    const out = await retry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw transient();
        return 'ok';
      },
      { initialDelayMs: 1, maxDelayMs: 2 },
    );
    expect(out).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('gives up at once on an error that is not retriable, rethrowing it', async () => {
    let calls = 0;
    const err = permanent();
    await expect(
      retry(
        async () => {
          calls++;
          throw err;
        },
        { initialDelayMs: 1 },
      ),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it('stops after maxAttempts, or when asked to, with the last error', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw transient();
        },
        { initialDelayMs: 1, maxAttempts: 4 },
      ),
    ).rejects.toMatchObject({ code: 'BUSY' });
    expect(calls).toBe(4);
    let stopped = false;
    const retried: number[] = [];
    await expect(
      retry(
        async (attempt) => {
          if (attempt === 2) stopped = true;
          throw transient();
        },
        { initialDelayMs: 1, stop: () => stopped, onRetry: (_e, n) => void retried.push(n) },
      ),
    ).rejects.toMatchObject({ code: 'BUSY' });
    expect(retried).toEqual([1]);
  });

  it('waits with full jitter: delays spread below the doubling ceiling', async () => {
    const gaps: number[] = [];
    let last = Date.now();
    await retry(
      async (attempt) => {
        const now = Date.now();
        if (attempt > 1) gaps.push(now - last);
        last = now;
        if (attempt <= 10) throw transient();
      },
      { initialDelayMs: 100, maxDelayMs: 200 },
    );
    // Ceilings 100 ms then 200 ms nine times (+ timer slack): without jitter the waits add up to
    // 1 900 ms or more; with full jitter to ~950 (above 1 600 with a probability of ~3e-5).
    expect(gaps).toHaveLength(10);
    for (const g of gaps) expect(g).toBeLessThanOrEqual(200 + 100);
    expect(gaps.reduce((a, b) => a + b, 0)).toBeLessThan(1600);
  });
});

describe('MeridianError', () => {
  it('carries code, retriable and cause, named after its class', () => {
    class StoreBusy extends MeridianError<'STORE_BUSY'> {}
    const cause = new Error('socket');
    const e = new StoreBusy('STORE_BUSY', 'busy', { retriable: true, cause });
    expect(e).toMatchObject({ name: 'StoreBusy', code: 'STORE_BUSY', retriable: true, cause });
    expect(isRetriable(e)).toBe(true);
    expect(isRetriable(new Error('x'))).toBe(false);
  });
});
