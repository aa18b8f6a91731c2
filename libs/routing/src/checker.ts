import type { Logger } from 'pino';
import { parseProfileHealth, type RegionHealth } from './health';
import { UPSTREAM_SERVICES, type UpstreamService } from './options';

/** The part of an `Upstream` the checker uses (a fake in unit tests). */
export interface HealthProbe {
  /** `GET /health`: the round trip and the parsed JSON body; rejects on failure or non-200. */
  check(timeoutMs: number): Promise<{ rttMs: number; body: unknown }>;
}

export interface CheckTarget {
  health: RegionHealth;
  upstreams: Record<UpstreamService, HealthProbe>;
}

export interface CheckerOptions {
  intervalMs: number;
  timeoutMs: number;
  /** The gateway's clock (ms): send times of the checks, failure times. */
  now: () => number;
}

/**
 * Active health checks: `GET /health` of every region's profile-service and projector every
 * `intervalMs` (timeout `timeoutMs`), each upstream on its own timer, the next check `intervalMs`
 * after the previous one ended. A 200 whose JSON does not say otherwise is a success and a
 * round-trip sample for the region's RTT EWMA; the profile-service's answer also reports whether
 * the region accepts writes, stamped with the check's send time (see `decideWrites`).
 */
export class HealthChecker {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly targets: readonly CheckTarget[],
    private readonly opts: CheckerOptions,
    private readonly log: Logger,
  ) {}

  /** One round over every upstream, awaited (the gateway runs it before it listens). */
  async checkAll(): Promise<void> {
    await Promise.all(this.targets.flatMap((t) => UPSTREAM_SERVICES.map((svc) => this.checkOne(t, svc))));
  }

  start(): void {
    for (const t of this.targets) for (const svc of UPSTREAM_SERVICES) this.schedule(t, svc);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(t: CheckTarget, svc: UpstreamService): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.checkOne(t, svc).finally(() => this.schedule(t, svc));
    }, this.opts.intervalMs);
    timer.unref();
    this.timers.add(timer);
  }

  async checkOne(t: CheckTarget, svc: UpstreamService): Promise<void> {
    const h = t.health;
    const state = h.services[svc];
    const seq = svc === 'profileService' ? h.beginProfileCheck() : 0;
    const sentAt = this.opts.now();
    try {
      const { rttMs, body } = await t.upstreams[svc].check(this.opts.timeoutMs);
      if (this.stopped) return;
      if (svc === 'profileService') {
        const writes = parseProfileHealth(body, h.name);
        if (typeof writes === 'string') throw new Error(writes);
        const before = h.writeStatus(this.opts.now()).accepting;
        h.reportWrites(writes, seq, sentAt);
        if (state.success())
          this.log.info({ region: h.name, service: svc }, 'upstream healthy again (active check)');
        const after = h.writeStatus(this.opts.now());
        if (after.accepting !== before)
          this.log.info(
            { region: h.name, writes: after },
            after.accepting ? 'region accepts writes' : 'region refuses writes',
          );
      } else {
        const status = (body as { status?: unknown } | undefined)?.status;
        if (status !== undefined && status !== 'ok') throw new Error(`status "${String(status)}"`);
        if (state.success())
          this.log.info({ region: h.name, service: svc }, 'upstream healthy again (active check)');
      }
      h.recordRtt(rttMs);
    } catch (e) {
      if (this.stopped) return;
      const reason = `health check: ${(e as Error).message}`;
      if (state.failure(reason, this.opts.now()))
        this.log.warn({ region: h.name, service: svc, reason }, 'upstream unhealthy (active check)');
    }
  }
}
