import { z } from 'zod';

const Schema = z.object({
  REGION: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a region name such as us-east'),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .transform((s) => s.split(',').map((b) => b.trim())),
  REGISTRY_URL: z.string().url('the Confluent-API base URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** `sqlite:<file>` (default engine) or a `postgres://` URL. */
  STORE: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'sqlite:<file> or postgres://user@host:port/db'),
  /** PostgreSQL schema holding this region's state (one per region). */
  PG_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  /** Consumer group (partition assignment only; offsets live in the store). One per projector deployment. */
  GROUP_ID: z.string().min(1).optional(),
  MAX_FORWARD_SKEW_MS: z.coerce.number().int().min(0).default(60_000),
});

export type ProjectorConfig = z.infer<typeof Schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  const r = Schema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`projector configuration is invalid:\n${lines.join('\n')}`);
  }
  return r.data;
}
