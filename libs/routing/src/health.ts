import type { UpstreamService } from './options';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Whether a region takes writes now (see `decideWrites`). */
export interface WriteStatus {
  accepting: boolean;
  role?: string;
  epoch?: number;
  /**
   * Why not, when not accepting: the service's own reason (`NOT_PRIMARY`, `LEASE_LOST`,
   * `BROKER_UNREACHABLE`, ...), a refusal code it answered a write with (`NOT_STORED`, `NOT_WRITER`,
   * `SHUTTING_DOWN`), or the gateway's: `UNHEALTHY`, `HEALTH_STALE`, `NOT_CHECKED`.
   */
  reason?: string;
  /** Age of the health answer this status rests on (from when that check was sent). */
  checkedAgoMs?: number;
}

/** What the profile-service's `/health` says about writes (lenient reading of its contract). */
export interface ReportedWrites {
  accepting: boolean;
  role?: string;
  epoch?: number;
  reason?: string;
}

export interface ServiceHealthSnapshot {
  healthy: boolean;
  /** `open` also while the upstream is unhealthy: no request is sent to it either way. */
  breaker: BreakerState;
  consecutiveFailures: number;
  /** The last failure, shown only while `consecutiveFailures > 0` (cleared by a success). */
  lastError?: string;
  lastErrorAgoMs?: number;
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
  /** The last failure and when (gateway clock), while failures are being counted. */
  lastError: { reason: string; at: number } | undefined;
  /** False until the first observation, which alone decides (a dead region is not routed to at start). */
  private known = false;

  constructor(private readonly unhealthyAfterFailures: number) {}

  /** Returns true when this failure made the upstream unhealthy. */
  failure(reason: string, now: number): boolean {
    this.consecutiveFailures++;
    this.lastError = { reason, at: now };
    const first = !this.known;
    this.known = true;
    if (this.healthy && (first || this.consecutiveFailures >= this.unhealthyAfterFailures)) {
      this.healthy = false;
      return true;
    }
    return false;
  }

  /** Returns true when this success made the upstream healthy again. Clears the last error. */
  success(): boolean {
    this.known = true;
    this.consecutiveFailures = 0;
    this.lastError = undefined;
    if (!this.healthy) {
      this.healthy = true;
      return true;
    }
    return false;
  }
}

/** The inputs of the write decision for one region (see `decideWrites`). */
export interface WriteInputs {
  /** The profile-service upstream's health (active checks and passive observations). */
  profileServiceHealthy: boolean;
  /** The last successful profile-service health check: what it said, and when it was sent. */
  report: { writes: ReportedWrites; sentAt: number } | undefined;
  /** A write refusal (503 NOT_STORED / NOT_WRITER / ...) not yet superseded by a newer check. */
  refusal: { code: string } | undefined;
  /** How old `report` may be (from its send time) and still be believed. */
  maxAgeMs: number;
}

/**
 * Whether a region takes writes at `now`, pure. Not accepting when the profile-service is
 * unhealthy, when it has not answered a health check yet, when its last good answer was sent more
 * than `maxAgeMs` ago (a check that hangs or fails stops writes within `maxAgeMs` — a failing check
 * does not need `unhealthyAfterFailures` for that), when it refused a write since that check was
 * sent, or when that answer said so. The age counts from the check's send time: the service may
 * have changed its mind any time after it.
 */
export function decideWrites(s: WriteInputs, now: number): WriteStatus {
  const r = s.report;
  const base: WriteStatus = { accepting: false };
  if (r?.writes.role !== undefined) base.role = r.writes.role;
  if (r?.writes.epoch !== undefined) base.epoch = r.writes.epoch;
  if (r) base.checkedAgoMs = Math.max(0, now - r.sentAt);
  if (!s.profileServiceHealthy) return { ...base, reason: 'UNHEALTHY' };
  if (!r) return { ...base, reason: 'NOT_CHECKED' };
  if (now - r.sentAt > s.maxAgeMs) return { ...base, reason: 'HEALTH_STALE' };
  if (s.refusal) return { ...base, reason: s.refusal.code };
  if (!r.writes.accepting) return r.writes.reason === undefined ? base : { ...base, reason: r.writes.reason };
  return { ...base, accepting: true };
}

/** The mutable health state of one region (no I/O: fed by `HealthChecker` and by the proxy). */
export class RegionHealth {
  readonly services: Record<UpstreamService, UpstreamHealth>;
  rttMs: number | undefined;
  private report: { writes: ReportedWrites; sentAt: number; seq: number } | undefined;
  private refusal: { code: string; checksStartedBefore: number } | undefined;
  private checksStarted = 0;

  constructor(
    readonly name: string,
    unhealthyAfterFailures: number,
    private readonly rttEwmaAlpha: number,
    private readonly writeStatusMaxAgeMs: number,
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

  /** A profile-service health check is being sent: returns its sequence number for `reportWrites`. */
  beginProfileCheck(): number {
    return ++this.checksStarted;
  }

  /**
   * A profile-service health check (sequence `seq`, sent at `sentAt`) answered. An answer older
   * than the one kept is ignored; one sent after the last refusal supersedes that refusal.
   */
  reportWrites(writes: ReportedWrites, seq: number, sentAt: number): void {
    if (this.report && this.report.seq > seq) return;
    this.report = { writes, sentAt, seq };
    if (this.refusal && seq > this.refusal.checksStartedBefore) this.refusal = undefined;
  }

  /**
   * The region refused a write before sending it (503 NOT_STORED, NOT_WRITER, ...): it is not
   * accepting until a health check sent after this moment says otherwise. (By sequence, not clock:
   * a check already in flight answers for a moment before the refusal.)
   */
  refuseWrites(code: string): void {
    this.refusal = { code, checksStartedBefore: this.checksStarted };
  }

  /** Whether the region takes writes at `now`. */
  writeStatus(now: number): WriteStatus {
    return decideWrites(
      {
        profileServiceHealthy: this.services.profileService.healthy,
        report: this.report,
        refusal: this.refusal,
        maxAgeMs: this.writeStatusMaxAgeMs,
      },
      now,
    );
  }
}

/**
 * Reads the profile-service `/health` contract leniently: missing fields take their defaults.
 * `status` `ok` or `degraded` (alive, but not accepting writes) is an answer; anything else, or an
 * answer from another region, is a failure. Not accepting when `writes.accepting` is false, when
 * `status` is `degraded`, or when `broker.reachable` is false (services without `broker` or
 * `writes`: `writes.accepting`, defaulting to true, decides). Returns the reported write status, or
 * a string saying why the answer counts as a failure.
 */
export function parseProfileHealth(body: unknown, expectedRegion: string): ReportedWrites | string {
  if (body === null || typeof body !== 'object') return { accepting: true };
  const b = body as { status?: unknown; region?: unknown; writes?: unknown; broker?: unknown };
  if (b.status !== undefined && b.status !== 'ok' && b.status !== 'degraded')
    return `status "${String(b.status)}"`;
  if (typeof b.region === 'string' && b.region !== expectedRegion)
    return `answers as region ${b.region}, configured as ${expectedRegion}`;
  const w = (b.writes !== null && typeof b.writes === 'object' ? b.writes : {}) as {
    accepting?: unknown;
    role?: unknown;
    epoch?: unknown;
    reason?: unknown;
  };
  const broker = (b.broker !== null && typeof b.broker === 'object' ? b.broker : {}) as {
    reachable?: unknown;
  };
  const brokerDown = broker.reachable === false;
  const out: ReportedWrites = {
    accepting: w.accepting !== false && b.status !== 'degraded' && !brokerDown,
  };
  if (typeof w.role === 'string') out.role = w.role;
  if (typeof w.epoch === 'number') out.epoch = w.epoch;
  if (typeof w.reason === 'string') out.reason = w.reason;
  else if (brokerDown) out.reason = 'BROKER_UNREACHABLE';
  else if (b.status === 'degraded') out.reason = 'DEGRADED';
  return out;
}
