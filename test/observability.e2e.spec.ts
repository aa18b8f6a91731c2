/**
 * Prometheus on the running topology (started by `local up` from the topology's `prometheus`
 * section): it scrapes every Meridian process, and the monitor's per-flow figures reach it.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { LocalPaths, LocalStack } from '@meridian/local';
import { probeCounts, prometheusVector, type SlaFigures } from '@meridian/sla';
import { findRepoRoot, loadTopology } from '@meridian/topology';
import { REVIVE_TIMEOUT_MS, localUp, waitFor } from '@meridian/testing';

const repoRoot = findRepoRoot();
const t = loadTopology('active-active', repoRoot);
const stack = new LocalStack(new LocalPaths(repoRoot), { info: () => {}, warn: () => {} });
const base = `http://127.0.0.1:${t.prometheus!.port}`;
const cli = join(repoRoot, 'bin', 'meridian.js');

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
      // The topology's own services (the inventory service), where they run.
      ...t.services.flatMap((svc) => Object.keys(svc.regions).map((region) => `${svc.name}/${region}`)),
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
    const monitorUrl = `http://127.0.0.1:${t.monitor!.port}`;
    /** The monitor's SLA probes through the gateway, on for this drill only (they write). */
    const setProbeRate = async (ratePerSecond: number) => {
      const res = await fetch(`${monitorUrl}/sla/probes`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ratePerSecond }),
      });
      expect(res.status).toBe(200);
    };
    /** `npx meridian sla --json` as an operator runs it (this process's environment names the test topology). */
    const slaCli = (window: string, json = true): string =>
      execFileSync('node', [cli, 'sla', '--window', window, ...(json ? ['--json'] : [])], {
        encoding: 'utf8',
      });

    afterAll(async () => {
      await setProbeRate(0).catch(() => undefined);
      await localUp('active-active'); // the dead region comes back
    }, REVIVE_TIMEOUT_MS);

    it("fires RegionDown for its processes and FlowStale for its flows within the rules' windows, and nothing for the others; `meridian sla` shows the region's budget spent and the whole holding", async () => {
      const probesFrom = Date.now();
      await setProbeRate(4);
      // Prometheus has counted probes of every scope before the outage.
      await waitFor(
        async () => {
          const c = await probeCounts(base, '1m');
          return ['global', ...t.regions.map((r) => r.name)].every((x) => (c.get(x)?.total ?? 0) >= 20);
        },
        {
          timeoutMs: 45_000,
          intervalMs: 1000,
          description: '20 probes of every scope counted by Prometheus',
        },
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

      // Probes off; once Prometheus's count stops moving, the drill's window is complete.
      await setProbeRate(0);
      let last = '';
      await waitFor(
        async () => {
          const now = JSON.stringify([
            ...(await prometheusVector(base, 'sum by (scope) (meridian_sla_probe_total)', 'scope')).entries(),
          ]);
          const same = now === last;
          last = now;
          return same;
        },
        {
          timeoutMs: 30_000,
          intervalMs: 3 * t.prometheus!.scrapeIntervalSeconds * 1000,
          description: 'the probe counts to settle',
        },
      );
      const window = `${Math.ceil((Date.now() - probesFrom) / 1000) + 10}s`;
      const report = JSON.parse(slaCli(window)) as {
        objective: number;
        scopes: (SlaFigures & { scope: string })[];
      };
      console.log(`[observability] npx meridian sla --window ${window}\n${slaCli(window, false)}`);
      const sla = Object.fromEntries(report.scopes.map((f) => [f.scope, f]));
      expect(report.objective).toBe(t.prometheus!.sloAvailability);
      // Most probes came after the kill: eu failed them and spent its budget many times over; the
      // gateway served everyone elsewhere.
      expect(sla.eu!.availability).toBeLessThan(0.5);
      expect(sla.eu!.meetsObjective).toBe(false);
      expect(sla.eu!.budgetConsumed).toBeGreaterThan(1);
      expect(sla['us-east']!.availability).toBeGreaterThanOrEqual(0.99);
      expect(sla['us-west']!.availability).toBeGreaterThanOrEqual(0.99);
      expect(sla.global!.availability).toBeGreaterThanOrEqual(0.99);
      expect(sla.global!.total).toBeGreaterThan(sla.eu!.total);
    });
  });
});
