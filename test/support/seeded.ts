import { mulberry32 } from '@meridian/random';

/**
 * Seeded randomness for fault schedules: `MERIDIAN_SEED=<n>` replays a run; the seed is always printed.
 */
export interface SeededRandom {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
}

export function seededRandom(label: string, seed = seedFromEnv()): SeededRandom {
  console.log(`[${label}] seed ${seed} (replay with MERIDIAN_SEED=${seed})`);
  const next = mulberry32(seed);
  return { seed, next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

function seedFromEnv(): number {
  const fromEnv = process.env.MERIDIAN_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`MERIDIAN_SEED must be a non-negative integer, got ${JSON.stringify(fromEnv)}`);
    return n;
  }
  return Math.floor(Math.random() * 2 ** 32);
}
