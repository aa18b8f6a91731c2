import type { Logger } from 'pino';
import { parseProfileHealth, type RegionHealth } from './health';
import { UPSTREAM_SERVICES, type UpstreamService } from './options';
import type { Upstream } from './upstream';

export interface CheckTarget {
  health: RegionHealth;
  upstreams: Record<UpstreamService, Upstream>;
}

/**
 * Active health checks: `GET /health` of every region's profile-service and projector every
 * `intervalMs` (timeout `timeoutMs`). A 200 whose JSON does not say otherwise is a success and a
 * round-trip sample for the region's RTT EWMA; the profile-service's answer also sets whether the
 * region accepts writes.
 */
export class HealthChecker {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly targets: readonly CheckTarget[],
    private readonly opts: { intervalMs: number; timeoutMs: number },
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
    try {
      const { rttMs, body } = await t.upstreams[svc].check(this.opts.timeoutMs);
      if (this.stopped) return;
      if (svc === 'profileService') {
        const writes = parseProfileHealth(body, h.name);
        if (typeof writes === 'string') throw new Error(writes);
        if (writes.accepting !== h.writes.accepting)
          this.log.info(
            { region: h.name, writes },
            writes.accepting ? 'region accepts writes' : 'region refuses writes',
          );
        h.writes = writes;
      } else {
        const status = (body as { status?: unknown } | undefined)?.status;
        if (status !== undefined && status !== 'ok') throw new Error(`status "${String(status)}"`);
      }
      h.recordRtt(rttMs);
      if (state.success())
        this.log.info({ region: h.name, service: svc }, 'upstream healthy again (active check)');
    } catch (e) {
      if (this.stopped) return;
      const reason = `health check: ${(e as Error).message}`;
      if (state.failure(reason))
        this.log.warn({ region: h.name, service: svc, reason }, 'upstream unhealthy (active check)');
    }
  }
}
