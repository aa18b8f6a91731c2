import { z } from 'zod';
import { commaList, loadEnv, regionalEnv } from '@meridian/config';

const shape = {
  ...regionalEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The local projector's base URL, for reads and for the writer's view of state (optional). */
  PROJECTOR_URL: z.string().url().optional(),
  /**
   * Phase A: this region's etcd member (client URL; never the other regions' members). Set, the
   * service writes only while its region is the designated primary and it holds its lease.
   */
  ETCD_ENDPOINT: z.string().url().optional(),
  /** Key prefix of the topology in etcd, e.g. /meridian/active-passive/ */
  QUORUM_NAMESPACE: z
    .string()
    .regex(/^\/.*\/$/, 'a key prefix that starts and ends with /, e.g. /meridian/active-passive/')
    .default('/meridian/default/'),
  /** Every region of the topology, comma-separated (the quorum refuses unknown ones). */
  QUORUM_REGIONS: commaList().default([]),
  LEASE_TTL_SECONDS: z.coerce.number().int().min(1).max(60).default(2),
  /** Automatic failover: this service also runs a controller candidate (one elected leader acts). */
  FAILOVER_ORDER: commaList().default([]),
  FAILOVER_AFTER_MS: z.coerce.number().int().min(0).default(1000),
  /** Failpoints armed at start, e.g. `publish.send.after=throw@5` (tests only; see @meridian/failpoints). */
  PUBLISHER_FAILPOINTS: z.string().optional(),
  /** Mount `PUT/DELETE /failpoints/:name` (the local test topology only; never in production). */
  FAILPOINTS_HTTP: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * The regions that mirror this one and how this region reaches their brokers, for
   * `Meridian-Durability: remote` writes: `eu@host:port,us-west@host:port`. Empty: remote writes
   * are refused (503 DURABILITY_UNAVAILABLE).
   */
  REMOTE_CONFIRM_TARGETS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const out: { region: string; brokers: string[] }[] = [];
      for (const item of v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)) {
        const m = /^([a-z][a-z0-9-]*)@(.+)$/.exec(item);
        if (!m) {
          ctx.addIssue({
            code: 'custom',
            message: `"${item}" is not region@host:port (e.g. eu@127.0.0.1:31502)`,
          });
          return z.NEVER;
        }
        out.push({ region: m[1]!, brokers: m[2]!.split(';').map((b) => b.trim()) });
      }
      return out;
    }),
  /** How long a remote write waits for another region to hold it before 504 REMOTE_UNCONFIRMED. */
  REMOTE_CONFIRM_TIMEOUT_MS: z.coerce.number().int().min(1).max(120_000).default(5000),
  AUTO_REGISTER_SCHEMAS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
};

type Loaded = z.infer<z.ZodObject<typeof shape>>;
type QuorumKeys =
  | 'QUORUM_NAMESPACE'
  | 'QUORUM_REGIONS'
  | 'LEASE_TTL_SECONDS'
  | 'FAILOVER_ORDER'
  | 'FAILOVER_AFTER_MS'
  | 'PUBLISHER_FAILPOINTS'
  | 'FAILPOINTS_HTTP'
  | 'REMOTE_CONFIRM_TARGETS'
  | 'REMOTE_CONFIRM_TIMEOUT_MS';
/** Phase A settings are optional for callers that build a config in code (tests, benches). */
export type ProfileServiceConfig = Omit<Loaded, QuorumKeys> & Partial<Pick<Loaded, QuorumKeys>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Loaded {
  return loadEnv('profile-service', shape, env);
}
