import { z } from 'zod';
import { loadEnv } from '@meridian/config';

const shape = {
  /** A shipped topology name (`active-active`) or a path to a topology YAML. */
  TOPOLOGY: z.string().min(1).default('active-active'),
  PORT: z.coerce.number().int().min(0).max(65535).default(19100),
  /** Each sample is one ListOffsets per replicated topic and region: keep it modest. */
  SAMPLE_INTERVAL_MS: z.coerce.number().int().min(10).default(500),
  /**
   * Synthetic SLA probes through the topology's gateway, per region and second (a write and a read
   * each; `meridian_sla_probe_total`). 0: off. They write to `sla-probe-<region>` aggregates.
   */
  SLA_PROBE_RATE_PER_SECOND: z.coerce.number().min(0).max(50).default(0),
  /**
   * The operator token the dashboard's failover action requires (`Authorization: Bearer …`); unset,
   * the dashboard shows everything but cannot fail over. At least 16 characters.
   */
  /** Mount `PUT /sla/probes` so a drill can turn the probes on and off (the local test topology only). */
  SLA_PROBE_CONTROL_HTTP: z
    .enum(['true', 'false'], { message: 'true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  DASHBOARD_OPERATOR_TOKEN: z
    .string()
    .min(16, 'at least 16 characters (the launcher generates one)')
    .optional(),
};

export type MonitorConfig = z.infer<z.ZodObject<typeof shape>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): MonitorConfig {
  return loadEnv('replication-monitor', shape, env);
}
