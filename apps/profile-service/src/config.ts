import { z } from 'zod';

const Schema = z.object({
  REGION: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a region name such as us-east'),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .transform((s) => s.split(',').map((b) => b.trim())),
  REGISTRY_URL: z.string().url('the Confluent-API base URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The local projector's base URL, for reads and for the writer's view of state (optional). */
  PROJECTOR_URL: z.string().url().optional(),
  AUTO_REGISTER_SCHEMAS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export type ProfileServiceConfig = z.infer<typeof Schema>;

/** Typed configuration from the environment; an actionable message naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProfileServiceConfig {
  const r = Schema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`profile-service configuration is invalid:\n${lines.join('\n')}`);
  }
  return r.data;
}
