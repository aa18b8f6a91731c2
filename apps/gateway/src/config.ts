import { z } from 'zod';
import { loadEnv } from '@meridian/config';
import { type RegionUpstream, regionsFromTopology, type RoutingSettings } from '@meridian/routing';
import { region as regionOf, type Topology } from '@meridian/topology';

const ms = () => z.coerce.number().int().min(0).optional();
const positive = () => z.coerce.number().int().min(1).optional();

const shape = {
  /** A shipped topology name (`active-active`) or a path to a topology YAML. */
  TOPOLOGY: z.string().min(1).default('active-active'),
  /** Default: the topology's `gateway.port`. */
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The region the gateway runs in (it reaches the others through the WAN); default `gateway.region`. */
  GATEWAY_REGION: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'a region name such as us-east')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STICKY_MS: ms(),
  HEALTH_INTERVAL_MS: positive(),
  HEALTH_TIMEOUT_MS: positive(),
  WRITE_STATUS_MAX_AGE_MS: positive(),
  UNHEALTHY_AFTER_FAILURES: positive(),
  UPSTREAM_TIMEOUT_MS: positive(),
  UPSTREAM_CONNECT_TIMEOUT_MS: positive(),
  BREAKER_ERROR_THRESHOLD_PERCENTAGE: z.coerce.number().min(0).max(100).optional(),
  BREAKER_ROLLING_WINDOW_MS: positive(),
  BREAKER_VOLUME_THRESHOLD: ms(),
  BREAKER_RESET_TIMEOUT_MS: positive(),
  RATE_LIMIT_PER_SEC: positive(),
  RATE_LIMIT_BURST: positive(),
  MAX_IN_FLIGHT: positive(),
  MAX_BODY_BYTES: positive(),
  MAX_ATTEMPTS: positive(),
  DRAIN_TIMEOUT_MS: ms(),
  DRAIN_GRACE_MS: ms(),
};

export type GatewayConfig = z.infer<z.ZodObject<typeof shape>>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadEnv('gateway', shape, env);
}

/** Which env variable sets which routing knob. */
const KNOBS: Record<keyof RoutingSettings, keyof GatewayConfig | undefined> = {
  stickyMs: 'STICKY_MS',
  maxStickySessions: undefined,
  healthIntervalMs: 'HEALTH_INTERVAL_MS',
  healthTimeoutMs: 'HEALTH_TIMEOUT_MS',
  writeStatusMaxAgeMs: 'WRITE_STATUS_MAX_AGE_MS',
  unhealthyAfterFailures: 'UNHEALTHY_AFTER_FAILURES',
  rttEwmaAlpha: undefined,
  upstreamTimeoutMs: 'UPSTREAM_TIMEOUT_MS',
  upstreamConnectTimeoutMs: 'UPSTREAM_CONNECT_TIMEOUT_MS',
  breakerErrorThresholdPercentage: 'BREAKER_ERROR_THRESHOLD_PERCENTAGE',
  breakerRollingWindowMs: 'BREAKER_ROLLING_WINDOW_MS',
  breakerVolumeThreshold: 'BREAKER_VOLUME_THRESHOLD',
  breakerResetTimeoutMs: 'BREAKER_RESET_TIMEOUT_MS',
  rateLimitPerSec: 'RATE_LIMIT_PER_SEC',
  rateLimitBurst: 'RATE_LIMIT_BURST',
  maxInFlight: 'MAX_IN_FLIGHT',
  maxBodyBytes: 'MAX_BODY_BYTES',
  maxAttempts: 'MAX_ATTEMPTS',
  drainTimeoutMs: 'DRAIN_TIMEOUT_MS',
  drainGraceMs: 'DRAIN_GRACE_MS',
};

export interface GatewayPlan {
  port: number;
  gatewayRegion: string;
  regions: RegionUpstream[];
  settings: Partial<RoutingSettings>;
}

/** Port, region and upstreams from the topology, overridden by the environment; fails naming the fix. */
export function planGateway(config: GatewayConfig, t: Topology): GatewayPlan {
  const gatewayRegion = config.GATEWAY_REGION ?? t.gateway?.region;
  const port = config.PORT ?? t.gateway?.port;
  if (gatewayRegion === undefined || port === undefined)
    throw new Error(
      `gateway configuration is invalid:\n  topology ${t.name} has no gateway section: set GATEWAY_REGION and PORT`,
    );
  regionOf(t, gatewayRegion);
  const regions = regionsFromTopology(t, gatewayRegion);
  if (regions.length === 0)
    throw new Error(
      `gateway configuration is invalid:\n  topology ${t.name} has no region with both a profileService and a projector`,
    );
  const settings: Partial<RoutingSettings> = {};
  for (const [knob, env] of Object.entries(KNOBS) as [
    keyof RoutingSettings,
    keyof GatewayConfig | undefined,
  ][]) {
    const v = env === undefined ? undefined : config[env];
    if (typeof v === 'number') settings[knob] = v;
  }
  if (config.RATE_LIMIT_PER_SEC !== undefined && config.RATE_LIMIT_BURST === undefined)
    settings.rateLimitBurst = config.RATE_LIMIT_PER_SEC;
  return { port, gatewayRegion, regions, settings };
}
