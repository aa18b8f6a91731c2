import type { Designation, Quorum } from '@meridian/quorum';
import { readDesignation, watchDesignation, type DesignationWatch } from '@meridian/quorum';
import type { FlowFigures } from '@meridian/replication';
import { probeCounts, prometheusVector, slaFigures, type SlaFigures } from '@meridian/sla';
import type { Topology } from '@meridian/topology';

/** One region as the dashboard shows it. */
export interface RegionView {
  name: string;
  /** `up`: service and projector answer; `degraded`: one of them; `down`: neither. */
  status: 'up' | 'degraded' | 'down';
  service: { up: boolean; acceptingWrites?: boolean; role?: string; epoch?: number; reason?: string };
  projector: { up: boolean };
  /** The gateway's view of it (breaker, RTT), when the gateway answers. */
  gateway?: { healthy: boolean; breaker: string; rttMs?: number };
  /** Events stored per second over the last minute, dead letters in the last hour (Prometheus). */
  writesPerSecond?: number;
  deadLettersLastHour?: number;
  staleEpochEvents?: number;
  /** Zipkin's UI, filtered to this region's service. */
  tracesUrl?: string;
}

export interface FailoverEntry {
  atMs: number;
  region: string;
  epoch: number;
  state: string;
  by: string;
  reason?: string;
}

export interface DashboardState {
  atMs: number;
  topology: string;
  phase: 'A' | 'B';
  rpoTargetMs: number;
  /** Phase A: the designation in force (undefined when the quorum does not answer). */
  designation?: Designation;
  regions: RegionView[];
  flows: FlowFigures[];
  sla?: { objective: number; window: string; scopes: SlaFigures[]; error?: string };
  /** Designation changes seen since the dashboard started (newest first), Phase A. */
  failovers: FailoverEntry[];
  links: { zipkin?: string; prometheus?: string; alerts?: string };
  /** What could not be read this time (a part of the page shows "unknown", never stale data). */
  errors: string[];
}

export interface DashboardSourceOptions {
  topology: Topology;
  /** The monitor's per-flow figures (in the same process). */
  flows: () => FlowFigures[];
  staleEpochEvents?: () => Record<string, number>;
  /** Phase A: the quorum (designation, failovers). */
  quorum?: Quorum;
  probeTimeoutMs?: number;
  /** The SLA window shown (default 1h). */
  slaWindow?: string;
}

interface GatewayRegion {
  name: string;
  healthy: boolean;
  breaker: string;
  rttMs?: number;
}

async function getJson<T>(url: string, timeoutMs: number): Promise<{ status: number; body?: T }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => undefined)) as T | undefined;
    return { status: res.status, ...(body !== undefined ? { body } : {}) };
  } catch {
    return { status: 0 };
  }
}

/**
 * Gathers what the dashboard shows, from the parts that know it: each region's service and
 * projector (`/health`), the gateway (`/regions`), the monitor's flows, Prometheus (write rates,
 * dead letters, the SLA probes), the quorum (designation and its changes).
 */
export class DashboardSource {
  private readonly failovers: FailoverEntry[] = [];
  private watch: DesignationWatch | undefined;
  private readonly t: Topology;
  private readonly timeoutMs: number;

  constructor(private readonly o: DashboardSourceOptions) {
    this.t = o.topology;
    this.timeoutMs = o.probeTimeoutMs ?? 800;
  }

  /** Phase A: remember designation changes as they happen. */
  start(): void {
    const q = this.o.quorum;
    if (!q || this.watch) return;
    this.watch = watchDesignation(q, (d) => {
      if (!d) return;
      const last = this.failovers[0];
      if (last && last.epoch === d.value.epoch && last.state === d.value.state) return;
      this.failovers.unshift({
        atMs: d.value.since,
        region: d.value.region,
        epoch: d.value.epoch,
        state: d.value.state,
        by: d.value.by,
        ...(d.value.reason !== undefined ? { reason: d.value.reason } : {}),
      });
      this.failovers.length = Math.min(this.failovers.length, 20);
    });
  }

  async stop(): Promise<void> {
    await this.watch?.close();
  }

  async snapshot(): Promise<DashboardState> {
    const t = this.t;
    const errors: string[] = [];
    const prometheus = t.prometheus ? `http://127.0.0.1:${t.prometheus.port}` : undefined;
    const zipkin = t.tracing ? `http://127.0.0.1:${t.tracing.zipkin.port}/zipkin/` : undefined;
    const [gateway, designation, rates, dead, sla, regions] = await Promise.all([
      t.gateway
        ? getJson<{ regions: GatewayRegion[] }>(`http://127.0.0.1:${t.gateway.port}/regions`, this.timeoutMs)
        : Promise.resolve({ status: 0 } as { status: number; body?: { regions: GatewayRegion[] } }),
      this.o.quorum
        ? readDesignation(this.o.quorum).catch((e: unknown) => {
            errors.push(`quorum: ${(e as Error).message}`);
            return undefined;
          })
        : Promise.resolve(undefined),
      prometheus
        ? prometheusVector(
            prometheus,
            'sum by (region) (rate(meridian_publish_events_total{outcome="stored"}[1m]))',
            'region',
            this.timeoutMs,
          ).catch((e: unknown) => (errors.push(`prometheus: ${(e as Error).message}`), undefined))
        : Promise.resolve(undefined),
      prometheus
        ? prometheusVector(
            prometheus,
            'sum by (region) (increase(meridian_projector_dead_lettered_total[1h]))',
            'region',
            this.timeoutMs,
          ).catch(() => undefined)
        : Promise.resolve(undefined),
      this.sla(prometheus),
      Promise.all(t.regions.map((r) => this.region(r.name))),
    ]);
    if (t.gateway && gateway.status !== 200) errors.push('gateway: not answering');
    const stale = this.o.staleEpochEvents?.() ?? {};
    for (const r of regions) {
      const g = gateway.body?.regions.find((x) => x.name === r.name);
      if (g)
        r.gateway = {
          healthy: g.healthy,
          breaker: g.breaker,
          ...(g.rttMs !== undefined ? { rttMs: g.rttMs } : {}),
        };
      const w = rates?.get(r.name);
      if (w !== undefined) r.writesPerSecond = w;
      const d = dead?.get(r.name);
      if (d !== undefined) r.deadLettersLastHour = d;
      if (stale[r.name] !== undefined) r.staleEpochEvents = stale[r.name];
      if (zipkin) r.tracesUrl = `${zipkin}?serviceName=profile-service-${r.name}`;
    }
    return {
      atMs: Date.now(),
      topology: t.name,
      phase: t.failover ? 'A' : 'B',
      rpoTargetMs: t.rpoTargetMs,
      ...(designation ? { designation: designation.value } : {}),
      regions,
      flows: this.o.flows(),
      ...(sla ? { sla } : {}),
      failovers: [...this.failovers],
      links: {
        ...(zipkin ? { zipkin } : {}),
        ...(prometheus ? { prometheus, alerts: `${prometheus}/alerts` } : {}),
      },
      errors,
    };
  }

  private async region(name: string): Promise<RegionView> {
    const r = this.t.regions.find((x) => x.name === name)!;
    const [svc, proj] = await Promise.all([
      r.profileService
        ? getJson<{ writes?: { accepting: boolean; role?: string; epoch?: number; reason?: string } }>(
            `http://127.0.0.1:${r.profileService.port}/health`,
            this.timeoutMs,
          )
        : Promise.resolve({ status: 0 } as { status: number; body?: never }),
      r.projector
        ? getJson<unknown>(`http://127.0.0.1:${r.projector.port}/health`, this.timeoutMs)
        : Promise.resolve({ status: 0 }),
    ]);
    // A service that answers 503 is up but refusing writes (its body says why).
    const serviceUp = svc.status !== 0;
    const projectorUp = proj.status === 200;
    const writes = svc.body?.writes;
    return {
      name,
      status: serviceUp && projectorUp ? 'up' : serviceUp || projectorUp ? 'degraded' : 'down',
      service: {
        up: serviceUp,
        ...(writes
          ? {
              acceptingWrites: writes.accepting,
              ...(writes.role !== undefined ? { role: writes.role } : {}),
              ...(writes.epoch !== undefined ? { epoch: writes.epoch } : {}),
              ...(writes.reason !== undefined ? { reason: writes.reason } : {}),
            }
          : {}),
      },
      projector: { up: projectorUp },
    };
  }

  private async sla(prometheus: string | undefined): Promise<DashboardState['sla']> {
    const p = this.t.prometheus;
    if (!prometheus || !p) return undefined;
    const window = this.o.slaWindow ?? '1h';
    try {
      const [main, fast, slow] = await Promise.all([
        probeCounts(prometheus, window, this.timeoutMs),
        probeCounts(prometheus, '5m', this.timeoutMs),
        probeCounts(prometheus, '1h', this.timeoutMs),
      ]);
      const scopes = [...main.keys()]
        .sort((a, b) => (a === 'global' ? -1 : b === 'global' ? 1 : a.localeCompare(b)))
        .map((s) => slaFigures(p.sloAvailability, main.get(s)!, { '5m': fast.get(s), '1h': slow.get(s) }));
      return { objective: p.sloAvailability, window, scopes };
    } catch (e) {
      return { objective: p.sloAvailability, window, scopes: [], error: (e as Error).message };
    }
  }
}
