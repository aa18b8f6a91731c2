import type { UpstreamService } from './options';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Whether a region takes writes now, from its profile-service's `/health` (`writes` absent ⇒ accepting). */
export interface WriteStatus {
  accepting: boolean;
  role?: string;
  epoch?: number;
  /** Why not, when not accepting (`NOT_PRIMARY`, `NOT_WRITER`, ...). */
  reason?: string;
}

export interface ServiceHealthSnapshot {
  healthy: boolean;
  breaker: BreakerState;
  consecutiveFailures: number;
  lastError?: string;
}

/** What the router sees of one region at one instant. */
export interface RegionSnapshot {
  name: string;
  profileService: ServiceHealthSnapshot;
  projector: ServiceHealthSnapshot;
  writes: WriteStatus;
  /** EWMA of the active health checks' round trips; undefined until the first one. */
  rttMs: number | undefined;
  inFlight: number;
}

/**
 * One upstream's health from active checks and passive observations alike: unhealthy after
 * `unhealthyAfterFailures` consecutive failures, healthy again after one success. Starts healthy
 * but unknown: the first observation decides alone (the gateway runs a first round of checks
 * before it listens, so a region that is down then is not routed to).
 */
export class UpstreamHealth {
  healthy = true;
  consecutiveFailures = 0;
  lastError: string | undefined;
  /** False until the first observation, which alone decides (a dead region is not routed to at start). */
  private known = false;

  constructor(private readonly unhealthyAfterFailures: number) {}

  /** Returns true when this failure made the upstream unhealthy. */
  failure(reason: string): boolean {
    this.consecutiveFailures++;
    this.lastError = reason;
    const first = !this.known;
    this.known = true;
    if (this.healthy && (first || this.consecutiveFailures >= this.unhealthyAfterFailures)) {
      this.healthy = false;
      return true;
    }
    return false;
  }

  /** Returns true when this success made the upstream healthy again. */
  success(): boolean {
    this.known = true;
    this.consecutiveFailures = 0;
    if (!this.healthy) {
      this.healthy = true;
      return true;
    }
    return false;
  }
}

/** The mutable health state of one region (no I/O: fed by `HealthChecker` and by the proxy). */
export class RegionHealth {
  readonly services: Record<UpstreamService, UpstreamHealth>;
  writes: WriteStatus = { accepting: true };
  rttMs: number | undefined;

  constructor(
    readonly name: string,
    unhealthyAfterFailures: number,
    private readonly rttEwmaAlpha: number,
  ) {
    this.services = {
      profileService: new UpstreamHealth(unhealthyAfterFailures),
      projector: new UpstreamHealth(unhealthyAfterFailures),
    };
  }

  recordRtt(ms: number): void {
    this.rttMs =
      this.rttMs === undefined ? ms : this.rttEwmaAlpha * ms + (1 - this.rttEwmaAlpha) * this.rttMs;
  }
}

/**
 * Reads the profile-service `/health` contract leniently: missing fields take their defaults.
 * Returns the write status, or a string saying why the answer counts as a failure.
 */
export function parseProfileHealth(body: unknown, expectedRegion: string): WriteStatus | string {
  if (body === null || typeof body !== 'object') return { accepting: true };
  const b = body as { status?: unknown; region?: unknown; writes?: unknown };
  if (b.status !== undefined && b.status !== 'ok') return `status "${String(b.status)}"`;
  if (typeof b.region === 'string' && b.region !== expectedRegion)
    return `answers as region ${b.region}, configured as ${expectedRegion}`;
  if (b.writes === undefined || b.writes === null || typeof b.writes !== 'object') return { accepting: true };
  const w = b.writes as { accepting?: unknown; role?: unknown; epoch?: unknown; reason?: unknown };
  const out: WriteStatus = { accepting: w.accepting !== false };
  if (typeof w.role === 'string') out.role = w.role;
  if (typeof w.epoch === 'number') out.epoch = w.epoch;
  if (typeof w.reason === 'string') out.reason = w.reason;
  return out;
}
