import { z } from 'zod';
import { loadEnv, regionalEnv } from '@meridian/config';
import { DEFAULT_MAX_FORWARD_SKEW_MS } from '@meridian/projector';
import { STORE_URL_FORMS, storeConfigFromUrl } from '@meridian/store';

function isStoreUrl(url: string): boolean {
  try {
    storeConfigFromUrl(url, 'unused');
    return true;
  } catch {
    return false;
  }
}

const shape = {
  ...regionalEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** `sqlite:<file>` (default engine) or a `postgres://` URL. */
  STORE: z.string().refine(isStoreUrl, STORE_URL_FORMS),
  /** PostgreSQL schema holding this region's state (one per region). */
  PG_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  /** Consumer group (partition assignment only; offsets live in the store). One per projector deployment. */
  GROUP_ID: z.string().min(1).optional(),
  /** An event whose HLC is further ahead of its record timestamp is dead-lettered (`CLOCK_SKEW`). */
  MAX_FORWARD_SKEW_MS: z.coerce.number().int().min(0).default(DEFAULT_MAX_FORWARD_SKEW_MS),
  /**
   * On a stored position ahead of the log, how long the stopped projector keeps serving (`/metrics`
   * shows `meridian_projector_position_ahead_of_log_total`) before it exits non-zero.
   */
  FATAL_EXIT_DELAY_MS: z.coerce.number().int().min(0).default(15_000),
  /**
   * The aggregate models this projector serves, comma-separated: built-in names (`profile`), module
   * paths or package names (each exporting `model`, the result of `defineAggregate`).
   */
  MODELS: z
    .string()
    .default('profile')
    .transform((v) =>
      v
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== ''),
    ),
  /** Failpoints armed at start-up (tests only), e.g. `store.commit.after=crash@3`. */
  FAILPOINTS: z.string().optional(),
  /** Mount `PUT/DELETE /failpoints/:name` (the local test topology only; never in production). */
  FAILPOINTS_HTTP: z
    .enum(['true', 'false'], { message: 'true or false' })
    .default('false')
    .transform((v) => v === 'true'),
};

export type ProjectorConfig = z.infer<z.ZodObject<typeof shape>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  return loadEnv('projector', shape, env);
}
