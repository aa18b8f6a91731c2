import { z } from 'zod';
import { loadEnv, regionalEnv } from '@meridian/config';

const shape = {
  ...regionalEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  /** The region's projector: reads, the stock check of a shipment, and the writer's view of state. */
  PROJECTOR_URL: z.string().url(),
  AUTO_REGISTER_SCHEMAS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
};

export type InventoryServiceConfig = z.infer<z.ZodObject<typeof shape>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): InventoryServiceConfig {
  return loadEnv('inventory-service', shape, env);
}
