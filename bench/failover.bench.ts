/**
 * Failover drills, repeated (BENCH_DRILLS, default 10), on whichever topology is up:
 * - active-passive (Phase A): the primary region dies; the controller promotes a standby. RTO = last
 *   acknowledged write before the kill → first acknowledged write sent after it, through the gateway;
 *   RPO = acknowledged events of the dead primary missing from the survivor, and in time the span of
 *   those lost writes (first lost write → failure: dev/testing/src/drill-rpo.ts). Then the region
 *   comes back and the primary fails back, for the next drill.
 * - active-active (Phase B): one region dies (rotating); the gateway routes around it.
 * Beside them, the configured floors measured against: lease TTL + failAfterMs (Phase A detection),
 * and the gateway's health-check interval (Phase B), and the roadmap targets.
 */
import { LocalPaths, LocalStack } from '@meridian/local';
import { bootstrapServers, region, registryUrl, remoteTopicName, findRepoRoot } from '@meridian/topology';
import { ensurePrimary, localUp, runDrill, type DrillResult } from '@meridian/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_ROUTING_SETTINGS } from '@meridian/routing';
import { percentile } from './report';
import type { BenchReport } from './run';

const DRILLS = Number(process.env.BENCH_DRILLS ?? 10);

export default async function failoverBench(): Promise<BenchReport> {
  const repoRoot = findRepoRoot();
  const stack = new LocalStack(new LocalPaths(repoRoot), { info: () => {}, warn: () => {} });
  const t = stack.currentTopology();
  if (!t?.gateway)
    throw new Error('the topology has no gateway: run on active-active, or BENCH_TOPOLOGY=active-passive');
  const phaseA = t.failover !== undefined;
  const names = t.regions.map((r) => r.name);
  const results: DrillResult[] = [];
  for (let i = 0; i < DRILLS; i++) {
    const victim = phaseA ? t.failover!.primary : names[i % names.length]!;
    const survivor = names.find((n) => n !== victim)!;
    if (phaseA) await ensurePrimary(t, victim, 'bench');
    const s = region(t, survivor);
    const r = await runDrill({
      gatewayUrl: `http://127.0.0.1:${t.gateway.port}`,
      victim,
      kill: () => stack.killRegion(victim),
      survivor: {
        kafka: new Kafka({
          clientId: 'bench-failover',
          brokers: [bootstrapServers(s)],
          logLevel: logLevel.NOTHING,
        }),
        registryUrl: registryUrl(s)!,
        mirroredTopic: remoteTopicName(victim, 'meridian.profile'),
      },
      timeoutMs: 300_000,
    });
    results.push(r);
    console.log(
      `  drill ${i + 1}/${DRILLS} (${victim} killed): RTO ${r.rtoMs} ms, RPO ${r.rpoRecords} records / ${r.rpoMs} ms (span of ${r.rpo.writes} lost acknowledged writes, to ${r.rpo.failedAtMs - r.killedAtMs} ms after the kill began)`,
    );
    await localUp(t.name);
  }
  if (phaseA) await ensurePrimary(t, t.failover!.primary, 'bench');
  const rto = results.map((r) => r.rtoMs);
  const rpoRec = results.map((r) => r.rpoRecords);
  const rpoMs = results.map((r) => r.rpoMs);
  const target = phaseA ? { rto: 300_000, rpo: 60_000 } : { rto: 1000, rpo: 100 };
  const floor = phaseA
    ? {
        name: 'lease TTL + failAfterMs (detection floor)',
        value: t.failover!.leaseTtlSeconds * 1000 + t.failover!.failAfterMs,
      }
    : { name: 'gateway health-check interval', value: DEFAULT_ROUTING_SETTINGS.healthIntervalMs };
  const phase = phaseA ? 'Phase A (automatic)' : 'Phase B';
  return {
    bench: `failover drills, ${phase}, ${DRILLS} drills (${t.name})`,
    lines: [
      { name: 'RTO median', value: percentile(rto, 50), unit: 'ms', baseline: { ...floor, unit: 'ms' } },
      {
        name: 'RTO max',
        value: Math.max(...rto),
        unit: 'ms',
        baseline: { name: 'target', value: target.rto, unit: 'ms' },
      },
      {
        name: 'RPO median',
        value: percentile(rpoMs, 50),
        unit: 'ms',
        baseline: { name: 'target', value: target.rpo, unit: 'ms' },
      },
      {
        name: 'RPO max',
        value: Math.max(...rpoMs),
        unit: 'ms',
        baseline: { name: 'target', value: target.rpo, unit: 'ms' },
      },
      { name: 'RPO records median', value: percentile(rpoRec, 50), unit: 'records' },
      { name: 'RPO records max', value: Math.max(...rpoRec), unit: 'records' },
    ],
    distributions: [
      {
        name: `rto-${phaseA ? 'a' : 'b'}`,
        unit: 'ms',
        samples: rto,
        floor: { name: floor.name, value: floor.value },
      },
    ],
  };
}
