/**
 * Failover drill, Phase A: a steady write load through the gateway; the primary region dies (every
 * process of it SIGKILLed). The controller on the surviving majority promotes a standby with a
 * higher epoch and writes succeed through the gateway again. Reports RTO (last acknowledged write
 * before the kill → first acknowledged write sent after it) and RPO (acknowledged events of the dead
 * primary missing from the survivor, as records and as time).
 */
import { readDesignation } from '@meridian/quorum';
import {
  ensurePrimary,
  localUp,
  quorumVia,
  REVIVE_TIMEOUT_MS,
  regionOutage,
  runDrill,
} from '@meridian/testing';
import { gatewayUrl, stack, topology, wan } from './support';

describe('Phase A failover drill through the gateway', () => {
  beforeAll(async () => {
    await wan.heal();
    await ensurePrimary(topology, 'us-east');
  });
  afterAll(async () => {
    await localUp('active-passive'); // the dead region comes back (as a standby)
    await ensurePrimary(topology, 'us-east');
  }, REVIVE_TIMEOUT_MS);

  it('promotes a standby when the primary region dies; writes succeed again through the gateway', async () => {
    const result = await runDrill({
      gatewayUrl,
      ...regionOutage(stack, 'us-east', 'us-west'),
      timeoutMs: 120_000,
    });
    const q = quorumVia(topology, 'us-west');
    const d = await readDesignation(q).finally(() => q.close());
    console.log(
      `[drill A] RTO ${result.rtoMs} ms; RPO ${result.rpoRecords} records / ${result.rpoMs} ms; new primary ${d?.value.region} at epoch ${d?.value.epoch}; served by ${JSON.stringify(result.servedBy)}; ${result.failedWrites} writes failed during the outage`,
    );
    expect(d?.value.region).not.toBe('us-east');
    expect(d?.value.state).toBe('active');
    // After the kill, only the new primary took writes.
    const after = result.writes.filter((w) => w.status === 200 && w.startMs > result.killedAtMs);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((w) => w.region))).toEqual(new Set([d!.value.region]));
  });
});
