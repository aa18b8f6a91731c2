/**
 * Failover drill, Phase B (active-active): a steady write load through the gateway; one region dies
 * (every process SIGKILLed). Failover is a routing decision: writes keep succeeding through the
 * other regions. Reports the gap clients saw (RTO) and what the dead region had acknowledged but not
 * yet mirrored (RPO); the region is brought back afterwards.
 */
import { LocalPaths, LocalStack } from '@meridian/local';
import { loadTopology, findRepoRoot } from '@meridian/topology';
import { REVIVE_TIMEOUT_MS, localUp, regionOutage, runDrill } from '@meridian/testing';

const repoRoot = findRepoRoot();
const t = loadTopology('active-active', repoRoot);
const stack = new LocalStack(new LocalPaths(repoRoot), { info: () => {}, warn: () => {} });

describe('Phase B failover drill through the gateway', () => {
  afterAll(async () => {
    await localUp('active-active'); // the dead region comes back
  }, REVIVE_TIMEOUT_MS);

  it('keeps accepting writes through the other regions when one region dies', async () => {
    const result = await runDrill({
      gatewayUrl: `http://127.0.0.1:${t.gateway!.port}`,
      ...regionOutage(stack, 'us-east', 'us-west'),
      timeoutMs: 60_000,
      settleMs: 2000,
    });
    console.log(
      `[drill B] RTO (gap seen by clients) ${result.rtoMs} ms; RPO ${result.rpoRecords} records / ${result.rpoMs} ms; served by ${JSON.stringify(result.servedBy)}; ${result.failedWrites} writes failed`,
    );
    const after = result.writes.filter((w) => w.status === 200 && w.startMs > result.killedAtMs);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((w) => w.region !== 'us-east')).toBe(true);
    expect(result.acknowledgedByVictim).toBeGreaterThan(0); // the load really went through us-east first
  });
});
