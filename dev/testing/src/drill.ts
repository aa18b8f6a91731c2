import { ConfluentSchemaRegistry, EventSerde } from '@meridian/contract';
import type { Kafka } from 'kafkajs';
import { uniqueName } from './names';
import { lostWrites, type LostWrites } from './drill-rpo';
import { LOCAL_REGISTRIES, localKafka, type LocalRegion, readRecords } from './kafka';
import type { LocalStack } from '@meridian/local';
import { remoteTopicName } from '@meridian/topology';

/**
 * A failover drill through the global gateway: a steady write load, one region killed, writes go on
 * until they succeed again. What clients saw (RTO: last acknowledged write before the kill → first
 * acknowledged write sent after it by a surviving region) and what was lost (RPO: writes the dead region acknowledged that
 * the survivor's copy of its topic does not hold, as records and as the span of acknowledged history
 * they cover — see `drill-rpo.ts` for the exact definition).
 */
export interface DrillOptions {
  gatewayUrl: string;
  victim: string;
  kill: () => Promise<unknown>;
  /** The survivor's Kafka and registry, and its copy of the victim's topic. */
  survivor: { kafka: Kafka; registryUrl: string; mirroredTopic: string };
  /** Load before the kill. */
  warmMs?: number;
  /** Keep writing this long after the first write that succeeded after the kill. */
  settleMs?: number;
  timeoutMs?: number;
  concurrency?: number;
  /** Wait for the survivor's mirror to take what it still can before counting losses. */
  mirrorGraceMs?: number;
}

export interface DrillWrite {
  startMs: number;
  endMs: number;
  status: number;
  region?: string;
  eventIds: string[];
}

export interface DrillResult {
  killedAtMs: number;
  rtoMs: number;
  rpoRecords: number;
  /** The span of the lost acknowledged writes (`rpo.spanMs`); 0 only when nothing was lost. */
  rpoMs: number;
  rpo: LostWrites;
  acknowledged: number;
  acknowledgedByVictim: number;
  failedWrites: number;
  servedBy: Record<string, number>;
  writes: DrillWrite[];
}

async function write(gatewayUrl: string, id: string): Promise<DrillWrite> {
  const startMs = Date.now();
  try {
    const res = await fetch(`${gatewayUrl}/profiles/${id}/logins`, {
      method: 'POST',
      signal: AbortSignal.timeout(5000),
    });
    const region = res.headers.get('x-meridian-routed-region') ?? undefined;
    if (res.status !== 200) {
      await res.arrayBuffer();
      return { startMs, endMs: Date.now(), status: res.status, ...(region ? { region } : {}), eventIds: [] };
    }
    const body = (await res.json()) as { events: { eventId: string }[] };
    return {
      startMs,
      endMs: Date.now(),
      status: 200,
      ...(region ? { region } : {}),
      eventIds: body.events.map((e) => e.eventId),
    };
  } catch {
    return { startMs, endMs: Date.now(), status: 0, eventIds: [] };
  }
}

/**
 * The outage of one local region: SIGKILL of all its processes, survived by `survivor`, whose
 * mirrored copy of the victim's profile topic is what the drill counts losses against.
 */
export function regionOutage(
  stack: LocalStack,
  victim: LocalRegion,
  survivor: LocalRegion,
): Pick<DrillOptions, 'victim' | 'kill' | 'survivor'> {
  return {
    victim,
    kill: () => stack.killRegion(victim),
    survivor: {
      kafka: localKafka(survivor),
      registryUrl: LOCAL_REGISTRIES[survivor],
      mirroredTopic: remoteTopicName(victim, 'meridian.profile'),
    },
  };
}

export async function runDrill(o: DrillOptions): Promise<DrillResult> {
  const writes: DrillWrite[] = [];
  const id = uniqueName('drill');
  let killedAtMs = Number.POSITIVE_INFINITY;
  let recoveredAtMs = Number.POSITIVE_INFINITY;
  let stop = false;
  const deadline = Date.now() + (o.timeoutMs ?? 300_000);
  const loops = Array.from({ length: o.concurrency ?? 4 }, async () => {
    while (!stop && Date.now() < deadline) {
      const w = await write(o.gatewayUrl, id);
      writes.push(w);
      // Recovered: a write sent after the kill began and acknowledged by a region that survives. The
      // victim may still acknowledge a few while it dies; those are lost (RPO), not a recovery.
      if (
        w.status === 200 &&
        w.startMs >= killedAtMs &&
        w.region !== o.victim &&
        recoveredAtMs === Number.POSITIVE_INFINITY
      )
        recoveredAtMs = w.endMs;
      if (Date.now() >= recoveredAtMs + (o.settleMs ?? 1000)) stop = true;
      if (w.status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
  });
  await new Promise((r) => setTimeout(r, o.warmMs ?? 3000));
  killedAtMs = Date.now();
  await o.kill();
  await Promise.all(loops);
  if (recoveredAtMs === Number.POSITIVE_INFINITY)
    throw new Error(`no write succeeded within ${o.timeoutMs ?? 300_000} ms of killing ${o.victim}`);

  const ok = writes.filter((w) => w.status === 200);
  const lastBefore = Math.max(...ok.filter((w) => w.endMs <= killedAtMs).map((w) => w.endMs));
  const byVictim = ok.filter((w) => w.region === o.victim);
  await new Promise((r) => setTimeout(r, o.mirrorGraceMs ?? 3000));
  const present = await eventIdsIn(o.survivor, id);
  const rpo = lostWrites({ killedAtMs, victim: o.victim, acknowledged: ok, present });
  const servedBy: Record<string, number> = {};
  for (const w of ok) servedBy[w.region ?? '?'] = (servedBy[w.region ?? '?'] ?? 0) + 1;
  return {
    killedAtMs,
    rtoMs: recoveredAtMs - lastBefore,
    rpoRecords: rpo.records,
    rpoMs: rpo.spanMs,
    rpo,
    acknowledged: ok.length,
    acknowledgedByVictim: byVictim.length,
    failedWrites: writes.length - ok.length,
    servedBy,
    writes,
  };
}

/** Event ids of one aggregate in the survivor's copy of the victim's topic. */
async function eventIdsIn(s: DrillOptions['survivor'], aggregateId: string): Promise<Set<string>> {
  return (await survivorEventIds(s, new Set([aggregateId]))).get(aggregateId) ?? new Set();
}

/**
 * Event ids, per aggregate of `aggregateIds`, in a survivor's copy of the victim's topic: read to
 * its end offsets as of the call.
 */
export async function survivorEventIds(
  s: DrillOptions['survivor'],
  aggregateIds: ReadonlySet<string>,
): Promise<Map<string, Set<string>>> {
  const admin = s.kafka.admin();
  await admin.connect();
  let total = 0;
  try {
    for (const p of await admin.fetchTopicOffsets(s.mirroredTopic))
      total += Number(BigInt(p.high) - BigInt(p.low));
  } finally {
    await admin.disconnect();
  }
  const reader = await readRecords(s.kafka, s.mirroredTopic);
  const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: s.registryUrl }) });
  const ids = new Map<string, Set<string>>();
  try {
    if (total > 0) await reader.waitForCount(total, 120_000);
    for (const r of reader.records) {
      if (r.key === null || !aggregateIds.has(r.key) || !r.rawValue) continue;
      const e = (await serde.decode(r.rawValue, r.rawHeaders, { topic: s.mirroredTopic })) as {
        envelope: { eventId: string };
      };
      const set = ids.get(r.key) ?? new Set<string>();
      set.add(e.envelope.eventId);
      ids.set(r.key, set);
    }
  } finally {
    await reader.stop();
  }
  return ids;
}
