import { Counter, Histogram, type Registry } from 'prom-client';
import { counter, histogram } from '@meridian/metrics';

export interface SlaProberOptions {
  /** The global router the probes go through. */
  gatewayUrl: string;
  regions: readonly string[];
  /** Probes per second per region (a write and a read each). */
  ratePerSecond: number;
  timeoutMs?: number;
  metrics: Registry;
}

/**
 * Synthetic probes through the gateway, as a client sees the system: per region and tick, a write
 * (`POST /profiles/sla-probe-<region>/logins`) and a read of the same aggregate, both asking for
 * that region (`X-Meridian-Region`). Counted twice: for the region, good only when that region
 * served it with a 2xx (`X-Meridian-Routed-Region`); for `global`, good when any region did — a
 * failover is available, a refusal is not. A read of the probe aggregate before its first write
 * (404) is good: the region answered.
 */
export class SlaProber {
  private readonly total: Counter<'scope' | 'kind' | 'outcome'>;
  private readonly seconds: Histogram<'kind'>;
  private timer: NodeJS.Timeout | undefined;
  private inflight = new Set<Promise<void>>();
  private rate: number;

  constructor(private readonly o: SlaProberOptions) {
    this.rate = o.ratePerSecond;
    this.total = counter<'scope' | 'kind' | 'outcome'>(o.metrics, {
      name: 'meridian_sla_probe_total',
      help: 'Synthetic probes through the gateway, by scope (a region, or global), kind (write | read) and outcome (good | bad).',
      labelNames: ['scope', 'kind', 'outcome'],
    });
    this.seconds = histogram<'kind'>(o.metrics, {
      name: 'meridian_sla_probe_seconds',
      help: 'Latency of the synthetic probes through the gateway.',
      labelNames: ['kind'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    });
  }

  /** Probes per second per region now. */
  get ratePerSecond(): number {
    return this.rate;
  }

  /** Changes the rate (0 stops probing; what is in flight finishes). */
  setRate(ratePerSecond: number): void {
    if (!(ratePerSecond >= 0 && ratePerSecond <= 50))
      throw new RangeError(`ratePerSecond: between 0 and 50, got ${ratePerSecond}`);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.rate = ratePerSecond;
    this.start();
  }

  start(): void {
    if (this.timer || this.rate <= 0) return;
    this.timer = setInterval(() => {
      for (const region of this.o.regions) {
        const p = this.probe(region).finally(() => this.inflight.delete(p));
        this.inflight.add(p);
      }
    }, 1000 / this.rate);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.inflight);
  }

  /** One write then one read for `region`, each counted for the region and for global. */
  async probe(region: string): Promise<void> {
    const id = `sla-probe-${region}`;
    await this.one(region, 'write', `/profiles/${id}/logins`, 'POST');
    await this.one(region, 'read', `/profiles/${id}`, 'GET');
  }

  private async one(region: string, kind: 'write' | 'read', path: string, method: string): Promise<void> {
    const started = performance.now();
    let status = 0;
    let servedBy: string | null = null;
    try {
      const res = await fetch(`${this.o.gatewayUrl}${path}`, {
        method,
        headers: { 'X-Meridian-Region': region },
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 2000),
      });
      await res.arrayBuffer();
      status = res.status;
      servedBy = res.headers.get('x-meridian-routed-region');
    } catch {
      status = 0;
    }
    this.seconds.observe({ kind }, (performance.now() - started) / 1000);
    const answered = (status >= 200 && status < 300) || (kind === 'read' && status === 404);
    this.total.inc({ scope: 'global', kind, outcome: answered ? 'good' : 'bad' });
    this.total.inc({ scope: region, kind, outcome: answered && servedBy === region ? 'good' : 'bad' });
  }
}
