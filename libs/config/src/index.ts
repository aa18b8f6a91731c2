import { z } from 'zod';

/** The settings every regional Meridian service reads from its environment. */
export const regionalEnv = {
  REGION: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a region name such as us-east'),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .transform((s) => s.split(',').map((b) => b.trim())),
  REGISTRY_URL: z.string().url('the Confluent-API base URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7'),
};

/**
 * Typed configuration from the environment, validated at start-up: one actionable line per bad
 * variable, naming it, instead of a failure deep inside a client later.
 */
export function loadEnv<S extends z.ZodRawShape>(
  service: string,
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const r = z.object(shape).safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`${service} configuration is invalid:\n${lines.join('\n')}`);
  }
  return r.data;
}
