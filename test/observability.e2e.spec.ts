/**
 * Prometheus on the running topology (started by `local up` from the topology's `prometheus`
 * section): it scrapes every Meridian process, and the monitor's per-flow figures reach it.
 */
import { findRepoRoot, loadTopology } from '@meridian/topology';
import { waitFor } from '@meridian/testing';

const t = loadTopology('active-active', findRepoRoot());
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
});
