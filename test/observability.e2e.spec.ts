/**
 * Prometheus on the running topology (started by `local up` from the topology's `prometheus`
 * section): it scrapes every Meridian process, and the monitor's per-flow figures reach it.
 */
import { Registry } from 'prom-client';
import { LocalPaths, LocalStack } from '@meridian/local';
import { slaFigures, SlaProber, type ProbeCounts } from '@meridian/sla';
import { findRepoRoot, loadTopology } from '@meridian/topology';
import { localUp, waitFor } from '@meridian/testing';

const repoRoot = findRepoRoot();
const t = loadTopology('active-active', repoRoot);
const stack = new LocalStack(new LocalPaths(repoRoot), { info: () => {}, warn: () => {} });
const base = `http://127.0.0.1:${t.prometheus!.port}`;

interface Target {
  labels: { job: string; region: string };
  health: string;
  lastError: string;
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: T }).data;
}

describe('Prometheus for the topology', () => {
  it('scrapes every service, projector, the monitor and the gateway, all up', async () => {
    const expected = [
      ...t.regions.flatMap((r) => [`profile-service/${r.name}`, `projector/${r.name}`]),
      'replication-monitor/global',
      'gateway/global',
    ].sort();
    let targets: Target[] = [];
    await waitFor(
      async () => {
        targets = (await api<{ activeTargets: Target[] }>('/api/v1/targets')).activeTargets;
        return targets.length === expected.length && targets.every((x) => x.health === 'up');
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'every target scraped and up' },
    );
    expect(targets.map((x) => `${x.labels.job}/${x.labels.region}`).sort()).toEqual(expected);
  });

  it("has the monitor's figures of every flow, and the topology's alert rules loaded", async () => {
    const flows = t.flows.map((f) => `${f.from}->${f.to}`).sort();
    await waitFor(
      async () => {
        const r = await api<{ result: { metric: { source: string; target: string } }[] }>(
          `/api/v1/query?query=${encodeURIComponent('meridian_rpo_within_target')}`,
        );
        const seen = r.result.map((x) => `${x.metric.source}->${x.metric.target}`).sort();
        return seen.length === flows.length && seen.every((s, i) => s === flows[i]);
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'meridian_rpo_within_target for every flow' },
    );
    const rules = await api<{ groups: { name: string; rules: { name: string; type: string }[] }[] }>(
      '/api/v1/rules',
    );
    const alerts = rules.groups.flatMap((g) =>
      g.rules.filter((r) => r.type === 'alerting').map((r) => r.name),
    );
    expect(alerts).toEqual(
      expect.arrayContaining([
        'MeridianRpoBreach',
        'MeridianFlowDown',
        'MeridianSloBurnFast',
        'MeridianDeadLetters',
      ]),
    );
  });

  describe('a region outage', () => {
    afterAll(async () => {
      await localUp('active-active'); // the dead region comes back
    });

    /** Probes and failed probes per scope, from a prober's registry. */
    async function probeCounts(metrics: Registry): Promise<Map<string, ProbeCounts>> {
      const m = (await metrics.getMetricsAsJSON()).find((x) => x.name === 'meridian_sla_probe_total');
      const out = new Map<string, ProbeCounts>();
      for (const v of (m?.values ?? []) as { labels: Record<string, string>; value: number }[]) {
        const scope = v.labels.scope!;
        const c = out.get(scope) ?? { scope, total: 0, failed: 0 };
        c.total += v.value;
        if (v.labels.outcome === 'bad') c.failed += v.value;
        out.set(scope, c);
      }
      return out;
    }

    it("fires RegionDown for its processes and FlowStale for its flows within the rules' windows, and nothing for the others; the SLA probes see the region fail and the whole hold", async () => {
      // SLA probes through the gateway for the whole outage (the monitor's, run here so that no
      // other suite's writes are disturbed by them).
      const probes = new Registry();
      const prober = new SlaProber({
        gatewayUrl: `http://127.0.0.1:${t.gateway!.port}`,
        regions: t.regions.map((r) => r.name),
        ratePerSecond: 4,
        metrics: probes,
      });
      prober.start();
      await waitFor(
        async () => [...(await probeCounts(probes)).values()].filter((c) => c.total >= 20).length === 4,
        { timeoutMs: 30_000, intervalMs: 250, description: '20 probes of every region before the outage' },
      );
      interface Alert {
        labels: Record<string, string>;
        state: string;
      }
      const firing = async () =>
        (await api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts.filter((a) => a.state === 'firing');
      // Alerts about eu only: an earlier suite's outage elsewhere may still be resolving.
      const aboutEu = (a: Alert) =>
        a.labels.region === 'eu' || a.labels.source === 'eu' || a.labels.target === 'eu';
      const named = (as: Alert[], name: string) => as.filter((a) => a.labels.alertname === name);
      const before = await firing();
      expect(
        [...named(before, 'MeridianRegionDown'), ...named(before, 'MeridianFlowStale')].filter(aboutEu),
      ).toEqual([]);
      const killedAt = Date.now();
      await stack.killRegion('eu');
      // RegionDown and FlowStale hold 30 s; scrapes and evaluations every 2 s: well within 75 s.
      let alerts: Alert[] = [];
      await waitFor(
        async () => {
          alerts = await firing();
          return (
            named(alerts, 'MeridianRegionDown').filter(aboutEu).length === 2 &&
            named(alerts, 'MeridianFlowStale').filter(aboutEu).length === 4
          );
        },
        {
          timeoutMs: 75_000,
          intervalMs: 1000,
          description: 'RegionDown (eu service, projector) and FlowStale (4 flows of eu)',
        },
      );
      const elapsedS = (Date.now() - killedAt) / 1000;
      console.log(
        `[observability] eu killed: RegionDown and FlowStale firing after ${elapsedS.toFixed(1)} s`,
      );
      expect(elapsedS).toBeGreaterThanOrEqual(30); // not before the rules' `for`
      const down = named(alerts, 'MeridianRegionDown').filter(aboutEu);
      expect(down.map((a) => `${a.labels.job}/${a.labels.region}`).sort()).toEqual([
        'profile-service/eu',
        'projector/eu',
      ]);
      // The flows between the surviving regions are not stale.
      expect(named(alerts, 'MeridianFlowStale').filter((a) => !aboutEu(a))).toEqual([]);

      await prober.stop();
      const counts = await probeCounts(probes);
      const sla = Object.fromEntries(
        [...counts.values()].map((c) => [c.scope, slaFigures(t.prometheus!.sloAvailability, c)]),
      );
      console.log(
        `[observability] SLA probes over the outage: ${Object.values(sla)
          .map(
            (f) =>
              `${f.scope} ${f.total - f.failed}/${f.total} (${((f.availability ?? 0) * 100).toFixed(2)} %, budget used ${((f.budgetConsumed ?? 0) * 100).toFixed(0)} %)`,
          )
          .join('; ')}`,
      );
      // Most probes came after the kill: eu failed them; the gateway served everyone elsewhere.
      expect(sla.eu!.availability).toBeLessThan(0.5);
      expect(sla['us-east']!.availability).toBeGreaterThanOrEqual(0.99);
      expect(sla['us-west']!.availability).toBeGreaterThanOrEqual(0.99);
      expect(sla.global!.availability).toBeGreaterThanOrEqual(0.99);
    });
  });
});
