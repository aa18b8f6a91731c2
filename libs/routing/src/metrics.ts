import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState, RegionSnapshot } from './health';
import { UPSTREAM_SERVICES } from './options';

/** How a request ended, as counted by `meridian_gateway_requests_total`. */
export type RequestOutcome =
  | 'ok' // the upstream answered 1xx-3xx
  | 'client_error' // the upstream answered 4xx
  | 'upstream_error' // the upstream answered 5xx (forwarded)
  | 'outcome_unknown' // a keyless write failed after it was sent
  | 'upstream_failed' // every attempt failed before an answer
  | 'rejected' // the gateway refused it (400/404/413)
  | 'rate_limited'
  | 'overloaded'
  | 'no_region'
  | 'draining';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** The gateway's instruments, in a Registry of its own (`GET /metrics`). */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'region' | 'outcome'>;
  readonly upstreamLatency: Histogram<'region' | 'service'>;
  readonly retries: Counter<'region' | 'reason'>;
  readonly shed: Counter<'region' | 'limit'>;

  constructor(snapshots: () => readonly RegionSnapshot[], registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.requests = new Counter({
      name: 'meridian_gateway_requests_total',
      help: 'Requests by the region that served them (none: refused by the gateway) and outcome',
      labelNames: ['region', 'outcome'],
      registers,
    });
    this.upstreamLatency = new Histogram({
      name: 'meridian_gateway_upstream_latency_seconds',
      help: 'Time from sending a request upstream to its response headers (or failure)',
      labelNames: ['region', 'service'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.retries = new Counter({
      name: 'meridian_gateway_retries_total',
      help: 'Requests retried on another region, by the region that failed and why',
      labelNames: ['region', 'reason'],
      registers,
    });
    this.shed = new Counter({
      name: 'meridian_gateway_shed_total',
      help: 'Requests refused with 429, by region and limit (rateLimitPerSec, maxInFlight)',
      labelNames: ['region', 'limit'],
      registers,
    });
    new Gauge({
      name: 'meridian_gateway_breaker_state',
      help: 'Circuit breaker per region and upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['region', 'service'],
      registers,
      collect() {
        for (const s of snapshots())
          for (const svc of UPSTREAM_SERVICES)
            this.set({ region: s.name, service: svc }, BREAKER_VALUE[s[svc].breaker]);
      },
    });
    new Gauge({
      name: 'meridian_gateway_upstream_healthy',
      help: 'Health per region and upstream (1 healthy)',
      labelNames: ['region', 'service'],
      registers,
      collect() {
        for (const s of snapshots())
          for (const svc of UPSTREAM_SERVICES)
            this.set({ region: s.name, service: svc }, s[svc].healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'meridian_gateway_region_accepting_writes',
      help: 'Whether the region accepts writes, per its health endpoint (1 yes)',
      labelNames: ['region'],
      registers,
      collect() {
        for (const s of snapshots()) this.set({ region: s.name }, s.writes.accepting ? 1 : 0);
      },
    });
    new Gauge({
      name: 'meridian_gateway_region_rtt_seconds',
      help: 'EWMA of the active health checks round trip per region',
      labelNames: ['region'],
      registers,
      collect() {
        for (const s of snapshots()) if (s.rttMs !== undefined) this.set({ region: s.name }, s.rttMs / 1000);
      },
    });
    new Gauge({
      name: 'meridian_gateway_in_flight',
      help: 'Requests in flight per region',
      labelNames: ['region'],
      registers,
      collect() {
        for (const s of snapshots()) this.set({ region: s.name }, s.inFlight);
      },
    });
  }
}
