import { RoutingError } from './errors';

/** One region's upstreams as the gateway dials them (base URLs, no trailing path). */
export interface RegionUpstream {
  name: string;
  /** Writes (and reads) of `/profiles/...`; its `/health` says whether the region accepts writes. */
  profileServiceUrl: string;
  /** Reads of `/aggregates/...` and `/digest...`. */
  projectorUrl: string;
}

/** The two upstream services of a region. */
export type UpstreamService = 'profileService' | 'projector';
export const UPSTREAM_SERVICES: readonly UpstreamService[] = ['profileService', 'projector'];

/** Tuning knobs of the gateway; every duration in ms, every size in bytes. */
export interface RoutingSettings {
  /** How long a session's reads and writes stay on the region that took its last write. */
  stickyMs: number;
  /** Sessions remembered at most (oldest forgotten first). */
  maxStickySessions: number;
  /** Active health check period, per upstream (from the end of one check to the start of the next). */
  healthIntervalMs: number;
  healthTimeoutMs: number;
  /**
   * A region takes writes only while its profile-service's last good health answer was sent at most
   * this long ago: a check that hangs or fails stops writes there within this bound. Must exceed
   * `healthIntervalMs` plus the slowest health round trip, or writes stop between two good checks.
   */
  writeStatusMaxAgeMs: number;
  /** Consecutive failures (active or passive) after which an upstream is unhealthy. */
  unhealthyAfterFailures: number;
  /** Weight of the newest RTT sample in the EWMA (0..1]. */
  rttEwmaAlpha: number;
  /** Until the response headers of a proxied request; past it the request fails as a timeout. */
  upstreamTimeoutMs: number;
  upstreamConnectTimeoutMs: number;
  /** Circuit breaker (opossum), per region and upstream service. */
  breakerErrorThresholdPercentage: number;
  breakerRollingWindowMs: number;
  /** Requests within the window before the breaker may open at all. */
  breakerVolumeThreshold: number;
  /** Open → half-open (one trial request) after this long. */
  breakerResetTimeoutMs: number;
  /** Token bucket per region: refill rate, and its size (burst). */
  rateLimitPerSec: number;
  rateLimitBurst: number;
  /** Requests in flight to one region before the gateway sheds load there (429). */
  maxInFlight: number;
  /** Request bodies are buffered (they may be resent to another region) up to this size; 413 beyond. */
  maxBodyBytes: number;
  /** Regions tried per request, the first choice included. */
  maxAttempts: number;
  /** SIGTERM: in-flight requests get this long to finish before their connections are closed. */
  drainTimeoutMs: number;
  /** SIGTERM: `/health` answers 503 this long before the listener closes (for pollers); default 0. */
  drainGraceMs: number;
}

export const DEFAULT_ROUTING_SETTINGS: Readonly<RoutingSettings> = Object.freeze({
  stickyMs: 30_000,
  maxStickySessions: 100_000,
  // Writes stop within 1 s of a region's /health saying it cannot store them or failing:
  // a check every 250 ms (WAN RTT ~80 ms) and a 1 s bound on the age of the last good answer.
  healthIntervalMs: 250,
  healthTimeoutMs: 750,
  writeStatusMaxAgeMs: 1_000,
  unhealthyAfterFailures: 2,
  rttEwmaAlpha: 0.3,
  upstreamTimeoutMs: 5_000,
  upstreamConnectTimeoutMs: 1_000,
  breakerErrorThresholdPercentage: 50,
  breakerRollingWindowMs: 10_000,
  breakerVolumeThreshold: 5,
  breakerResetTimeoutMs: 5_000,
  rateLimitPerSec: 5_000,
  rateLimitBurst: 5_000,
  maxInFlight: 512,
  maxBodyBytes: 1024 * 1024,
  maxAttempts: 3,
  drainTimeoutMs: 10_000,
  drainGraceMs: 0,
});

/** Fills defaults and rejects nonsense at start-up, naming the knob. */
export function resolveSettings(partial: Partial<RoutingSettings> = {}): RoutingSettings {
  const s: RoutingSettings = { ...DEFAULT_ROUTING_SETTINGS };
  for (const [k, v] of Object.entries(partial) as [keyof RoutingSettings, number | undefined][]) {
    if (v !== undefined) s[k] = v;
  }
  const problems: string[] = [];
  for (const [k, v] of Object.entries(s) as [keyof RoutingSettings, number][]) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      problems.push(`${k}: ${v} is not a number ≥ 0`);
  }
  const positive: (keyof RoutingSettings)[] = [
    'healthIntervalMs',
    'healthTimeoutMs',
    'writeStatusMaxAgeMs',
    'unhealthyAfterFailures',
    'upstreamTimeoutMs',
    'upstreamConnectTimeoutMs',
    'breakerRollingWindowMs',
    'breakerResetTimeoutMs',
    'rateLimitPerSec',
    'rateLimitBurst',
    'maxInFlight',
    'maxAttempts',
  ];
  for (const k of positive) if (!(s[k] > 0)) problems.push(`${k}: must be > 0 (got ${s[k]})`);
  if (!(s.rttEwmaAlpha > 0 && s.rttEwmaAlpha <= 1)) problems.push(`rttEwmaAlpha: must be in (0, 1]`);
  if (!(s.writeStatusMaxAgeMs > s.healthIntervalMs))
    problems.push(
      `writeStatusMaxAgeMs: ${s.writeStatusMaxAgeMs} must exceed healthIntervalMs (${s.healthIntervalMs}) ` +
        'plus the slowest health round trip, or no region would ever be seen accepting writes',
    );
  if (s.breakerErrorThresholdPercentage > 100)
    problems.push('breakerErrorThresholdPercentage: must be at most 100');
  if (problems.length > 0)
    throw new RoutingError('INVALID_CONFIG', `routing settings are invalid:\n  ${problems.join('\n  ')}`);
  return s;
}

/** Checks the region list: at least one, unique names, http(s) base URLs. */
export function validateRegions(regions: readonly RegionUpstream[]): void {
  const problems: string[] = [];
  if (regions.length === 0) problems.push('regions: at least one region is required');
  const seen = new Set<string>();
  regions.forEach((r, i) => {
    if (!r.name) problems.push(`regions.${i}.name: required`);
    if (seen.has(r.name)) problems.push(`regions.${i}.name: "${r.name}" appears twice`);
    seen.add(r.name);
    for (const key of ['profileServiceUrl', 'projectorUrl'] as const) {
      try {
        const u = new URL(r[key]);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
      } catch {
        problems.push(`regions.${i}.${key}: "${r[key]}" is not an http(s) base URL`);
      }
    }
  });
  if (problems.length > 0)
    throw new RoutingError('INVALID_CONFIG', `gateway regions are invalid:\n  ${problems.join('\n  ')}`);
}
