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

  it('waits with full jitter: each delay a random share of its doubling ceiling', async () => {
    // The delays asked of the timer, not measured ones: exact under any machine load.
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.25);
    const timer = jest.spyOn(global, 'setTimeout');
    try {
      await retry(
        async (attempt) => {
          if (attempt < 6) throw transient();
        },
        { initialDelayMs: 100, maxDelayMs: 300 },
      );
      const delays = timer.mock.calls.map((c) => c[1]).filter((ms) => typeof ms === 'number' && ms > 0);
      // Ceilings 100, 200, 300, 300, 300 ms; a quarter of each.
      expect(delays).toEqual([25, 50, 75, 75, 75]);
    } finally {
      random.mockRestore();
      timer.mockRestore();
    }
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
