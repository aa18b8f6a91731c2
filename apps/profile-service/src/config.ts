import { z } from 'zod';
import { loadEnv, regionalEnv } from '@meridian/config';

const shape = {
  ...regionalEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The local projector's base URL, for reads and for the writer's view of state (optional). */
  PROJECTOR_URL: z.string().url().optional(),
  AUTO_REGISTER_SCHEMAS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
};

export type ProfileServiceConfig = z.infer<z.ZodObject<typeof shape>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProfileServiceConfig {
  return loadEnv('profile-service', shape, env);
}
