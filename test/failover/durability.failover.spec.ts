/**
 * Durability drill (issue 18 §2): the primary region takes a mixed load — every other write asks
 * `Meridian-Durability: remote` — its mirrors are cut off for the last two seconds, and it dies
 * (every process SIGKILLed). Then:
 * - no acknowledged remote write is lost: each of its events is in the copy of the region that
 *   confirmed it;
 * - what the survivors lack of the acknowledged writes is at most what the replication monitor
 *   reported at risk for them after the death (per aggregate, plus what it could not attribute).
 * The figures are printed and written to bench/results/durability-drill.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregateTopic, remoteTopicName } from '@meridian/topology';
import {
  ensurePrimary,
  LOCAL_REGISTRIES,
  localKafka,
  localUp,
  REVIVE_TIMEOUT_MS,
  survivorEventIds,
  uniqueName,
} from '@meridian/testing';
import { repoRoot, serviceUrl, stack, topology, wan } from './support';

type Durability = 'local' | 'remote';
interface Write {
  durability: Durability;
  aggregateId: string;
  startMs: number;
  endMs: number;
  status: number;
  confirmedIn?: string;
  eventIds: string[];
}

interface AtRisk {
  flows: {
    source: string;
    rpoRecords: number;
    unattributed: number;
    stale: boolean;
    aggregates: { aggregateId: string; events: number }[];
  }[];
}

const VICTIM = 'us-east';
const SURVIVORS = ['us-west', 'eu'] as const;
/** How long before the kill the survivors' mirrors are cut off from the victim. */
const MIRROR_CUT_BEFORE_KILL_MS = 2000;
const monitorUrl = `http://127.0.0.1:${topology.monitor!.port}`;

async function write(aggregateId: string, durability: Durability): Promise<Write> {
  const startMs = Date.now();
  try {
    const res = await fetch(`${serviceUrl(VICTIM)}/profiles/${aggregateId}/logins`, {
      method: 'POST',
      headers: { 'meridian-durability': durability },
      signal: AbortSignal.timeout(8000),
    });
    const body = (await res.json()) as { events?: { eventId: string }[] };
    const confirmedIn = res.headers.get('meridian-confirmed-in') ?? undefined;
    return {
      durability,
      aggregateId,
      startMs,
      endMs: Date.now(),
      status: res.status,
      ...(confirmedIn ? { confirmedIn } : {}),
      eventIds: res.status === 200 ? (body.events ?? []).map((e) => e.eventId) : [],
    };
  } catch {
    return { durability, aggregateId, startMs, endMs: Date.now(), status: 0, eventIds: [] };
  }
}

async function atRisk(target: string): Promise<AtRisk> {
  const res = await fetch(`${monitorUrl}/at-risk/${target}`);
  if (res.status !== 200) throw new Error(`monitor /at-risk/${target}: ${res.status}`);
  return (await res.json()) as AtRisk;
}

describe('durability drill: the origin dies under mixed local/remote writes', () => {
  beforeAll(async () => {
    await wan.heal();
    await ensurePrimary(topology, VICTIM);
  });
  afterAll(async () => {
    await wan.heal();
    await localUp('active-passive'); // the dead region comes back (as a standby)
    await ensurePrimary(topology, VICTIM);
  }, REVIVE_TIMEOUT_MS);

  it('loses no acknowledged remote write, and no more local ones than the monitor reported at risk', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => uniqueName(`durable-${i}`));
    // Warm: the service's readers of the targets' offset-syncs are positioned once a remote write
    // is confirmed.
    const warmDeadline = Date.now() + 60_000;
    while ((await write(ids[0]!, 'remote')).status !== 200)
      if (Date.now() > warmDeadline)
        throw new Error('no remote write confirmed within 60 s before the drill');

    const writes: Write[] = [];
    let killedAtMs = Number.POSITIVE_INFINITY;
    const loops = Array.from({ length: 6 }, async (_, loop) => {
      for (let i = 0; Date.now() < killedAtMs + 3000; i++) {
        const w = await write(ids[(loop + i) % ids.length]!, (loop + i) % 2 === 0 ? 'local' : 'remote');
        writes.push(w);
        if (w.status !== 200 && Date.now() >= killedAtMs) await new Promise((r) => setTimeout(r, 50));
      }
    });
    await new Promise((r) => setTimeout(r, 4000));
    // The mirrors stop (the links their fetches from the victim cross are cut) for the last seconds,
    // so that local writes are acknowledged that no survivor holds when the region dies; remote ones
    // cannot be confirmed meanwhile. The services' reads of the survivors' offset-syncs (the other
    // direction) are untouched.
    for (const target of SURVIVORS) await wan.set(target, VICTIM, { mode: 'partition' });
    await new Promise((r) => setTimeout(r, MIRROR_CUT_BEFORE_KILL_MS));
    killedAtMs = Date.now();
    await stack.killRegion(VICTIM);
    await Promise.all(loops);

    // What the monitor says each survivor lacks, once the death is in its figures (the source
    // stops answering: `stale`), and what the survivors' copies actually hold.
    const reported = new Map<string, AtRisk['flows'][number]>();
    for (const target of SURVIVORS) {
      let flow: AtRisk['flows'][number] | undefined;
      const deadline = Date.now() + 30_000;
      while (!flow?.stale) {
        flow = (await atRisk(target)).flows.find((f) => f.source === VICTIM);
        if (Date.now() > deadline) throw new Error(`the monitor did not see ${VICTIM} down within 30 s`);
        if (!flow?.stale) await new Promise((r) => setTimeout(r, 250));
      }
      reported.set(target, flow);
    }
    const present = new Map<string, Map<string, Set<string>>>();
    for (const target of SURVIVORS)
      present.set(
        target,
        await survivorEventIds(
          {
            kafka: localKafka(target),
            registryUrl: LOCAL_REGISTRIES[target],
            mirroredTopic: remoteTopicName(VICTIM, aggregateTopic('profile')),
          },
          new Set(ids),
        ),
      );
    const has = (target: string, w: Write, e: string) =>
      present.get(target)!.get(w.aggregateId)?.has(e) ?? false;

    const acked = writes.filter((w) => w.status === 200);
    const remoteAcked = acked.filter((w) => w.durability === 'remote');
    const localAcked = acked.filter((w) => w.durability === 'local');
    const remoteLost = remoteAcked.flatMap((w) => w.eventIds.filter((e) => !has(w.confirmedIn!, w, e)));
    const lostEverywhere = localAcked.flatMap((w) =>
      w.eventIds.filter((e) => SURVIVORS.every((t) => !has(t, w, e))),
    );
    const perTarget = SURVIVORS.map((target) => {
      const flow = reported.get(target)!;
      const missing = new Map<string, number>();
      for (const w of acked)
        for (const e of w.eventIds)
          if (!has(target, w, e)) missing.set(w.aggregateId, (missing.get(w.aggregateId) ?? 0) + 1);
      const reportedFor = (id: string) => flow.aggregates.find((a) => a.aggregateId === id)?.events ?? 0;
      const missingTotal = [...missing.values()].reduce((a, b) => a + b, 0);
      const reportedTotal = ids.reduce((n, id) => n + reportedFor(id), 0);
      return { target, flow, missing, missingTotal, reportedTotal, reportedFor };
    });
    const figures = {
      at: new Date().toISOString(),
      topology: topology.name,
      wan: topology.wan,
      victim: VICTIM,
      mirrorsCutBeforeKillMs: MIRROR_CUT_BEFORE_KILL_MS,
      acknowledged: { local: localAcked.length, remote: remoteAcked.length },
      notAcknowledged: writes.length - acked.length,
      remoteConfirmedIn: Object.fromEntries(
        SURVIVORS.map((t) => [t, remoteAcked.filter((w) => w.confirmedIn === t).length]),
      ),
      remoteEventsLost: remoteLost.length,
      localEventsLostEverywhere: lostEverywhere.length,
      perSurvivor: perTarget.map((p) => ({
        target: p.target,
        eventsMissing: p.missingTotal,
        monitorAtRiskForTheseAggregates: p.reportedTotal,
        monitorUnattributed: p.flow.unattributed,
        monitorFlowRpoRecords: p.flow.rpoRecords,
      })),
    };
    console.log(`[durability drill] ${JSON.stringify(figures)}`);
    const dir = process.env.MERIDIAN_BENCH_RESULTS_DIR ?? join(repoRoot, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'durability-drill.json'), `${JSON.stringify(figures, null, 2)}\n`);

    // A drill without both kinds of acknowledged writes, or without a loss to compare with the
    // monitor's figures, proves nothing.
    expect(remoteAcked.length).toBeGreaterThanOrEqual(10);
    expect(localAcked.length).toBeGreaterThanOrEqual(10);
    for (const p of perTarget) expect(p.missingTotal).toBeGreaterThan(0);
    expect(remoteLost).toEqual([]);
    for (const p of perTarget) {
      // Per aggregate: at most what the monitor named, plus what it could not attribute.
      for (const [id, n] of p.missing)
        expect({ id, n: Math.min(n, p.reportedFor(id) + p.flow.unattributed) }).toEqual({ id, n });
      expect(p.missingTotal).toBeLessThanOrEqual(p.flow.rpoRecords);
    }
    expect(lostEverywhere.length).toBeLessThanOrEqual(Math.min(...perTarget.map((p) => p.flow.rpoRecords)));
  });
});
