/**
 * What must hold after every chaos scenario, read from the real logs and projections:
 * digests equal everywhere, every acknowledged event in every region's log, counters equal to the
 * amounts of the events in the log (so nothing applied twice or lost), dead-letter topics unchanged.
 */
import type { Kafka } from 'kafkajs';
import { ConfluentSchemaRegistry, DLQ_HEADERS, EventSerde } from '@meridian/contract';
import { deadLetterTopic, remoteTopicName } from '@meridian/topology';
import { LOCAL_MONITOR, LOCAL_REGISTRIES, localKafka, waitFor } from '@meridian/testing';
import { readTopicToEnd } from '../support/kafka';
import { CHAOS_REGIONS, type ChaosRegion, REGION_NAMES } from './workload';
import { ReadApiClient } from '@meridian/read-api';

type Offsets = Map<string, Map<number, bigint>>; // topic -> partition -> offset

export function inputTopics(region: ChaosRegion): string[] {
  return [
    'meridian.profile',
    ...REGION_NAMES.filter((r) => r !== region).map((r) => remoteTopicName(r, 'meridian.profile')),
  ];
}

const kafkas = new Map<ChaosRegion, Kafka>(REGION_NAMES.map((r) => [r, localKafka(r, 'chaos-check')]));

async function endOffsets(region: ChaosRegion, topics: string[]): Promise<Offsets> {
  const admin = kafkas.get(region)!.admin();
  await admin.connect();
  try {
    const out: Offsets = new Map();
    for (const t of topics) {
      const parts = await admin.fetchTopicOffsets(t);
      out.set(t, new Map(parts.map((p) => [p.partition, BigInt(p.high)])));
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

export interface Marks {
  inputs: Map<ChaosRegion, Offsets>;
  deadLetters: Map<ChaosRegion, Offsets>;
}

/** Where each region's logs end before a scenario: its events are those after these marks. */
export async function marks(): Promise<Marks> {
  const inputs = new Map<ChaosRegion, Offsets>();
  const deadLetters = new Map<ChaosRegion, Offsets>();
  for (const r of REGION_NAMES) {
    inputs.set(r, await endOffsets(r, inputTopics(r)));
    deadLetters.set(r, await endOffsets(r, [deadLetterTopic(r)]));
  }
  return { inputs, deadLetters };
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

interface MonitorFlow {
  source: string;
  target: string;
  rpoRecords: number | null;
  stale: boolean;
  /** MirrorMaker 2's offset mapping covers every acknowledged record (not a count). */
  drained: boolean;
}

/**
 * Quiet: the replication monitor sees nothing left to mirror on any flow, and every projector has
 * applied its region's logs up to their ends. `onPending` hears, every 5 s, what is still awaited.
 */
export async function waitQuiescent(timeoutMs: number, onPending?: (what: string) => void): Promise<void> {
  let lastReport = Date.now();
  await waitFor(
    async () => {
      const pending = await notQuiet();
      if (pending !== undefined && onPending && Date.now() - lastReport >= 5_000) {
        lastReport = Date.now();
        onPending(pending);
      }
      return pending === undefined;
    },
    { timeoutMs, intervalMs: 500, description: 'mirrors and projectors to catch up everywhere' },
  );
}

/** What is not caught up yet, or undefined when everything is. */
async function notQuiet(): Promise<string | undefined> {
  const rpo = await json<{ flows: MonitorFlow[] }>(`${LOCAL_MONITOR}/rpo`).catch(() => undefined);
  if (!rpo) return 'the replication monitor does not answer';
  const flows = rpo.flows.filter((f) => f.stale || !f.drained);
  if (flows.length > 0)
    return `monitor: ${flows.map((f) => `${f.source}→${f.target} ${f.stale ? 'stale' : `not drained (${f.rpoRecords ?? '?'} records)`}`).join(', ')}`;
  const behind: string[] = [];
  for (const r of REGION_NAMES) {
    const ends = await endOffsets(r, inputTopics(r));
    const positions = await readApi(r)
      .positions()
      .then((p) => p.positions)
      .catch(() => undefined);
    if (!positions) {
      behind.push(`projector-${r} does not answer`);
      continue;
    }
    let records = 0n;
    for (const [topic, parts] of ends)
      for (const [partition, end] of parts) {
        const pos = positions.find((p) => p.topic === topic && p.partition === partition);
        const next = pos ? BigInt(pos.nextOffset) : 0n;
        if (end > 0n && next < end) records += end - next;
      }
    if (records > 0n) behind.push(`projector-${r} ${records} records behind`);
  }
  return behind.length > 0 ? behind.join(', ') : undefined;
}

interface LoggedEvent {
  eventId: string;
  aggregateId: string;
  type: string;
  amountCents?: number;
}

/** Every event of `profiles` in a region's logs after the marks (duplicates from the mirror kept). */
export async function loggedEvents(
  region: ChaosRegion,
  from: Offsets,
  profiles: Set<string>,
): Promise<LoggedEvent[]> {
  const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: LOCAL_REGISTRIES[region] }) });
  const out: LoggedEvent[] = [];
  for (const topic of inputTopics(region)) {
    const records = await readTopicToEnd(kafkas.get(region)!, topic, 120_000);
    for (const r of records) {
      if (BigInt(r.offset) < (from.get(topic)?.get(r.partition) ?? 0n)) continue;
      if (!r.key || !profiles.has(r.key) || !r.rawValue) continue;
      const e = (await serde.decode(r.rawValue, r.rawHeaders, { topic })) as {
        type: string;
        envelope: { eventId: string; aggregateId: string };
        amountCents?: number;
      };
      out.push({
        eventId: e.envelope.eventId,
        aggregateId: e.envelope.aggregateId,
        type: e.type,
        ...(e.amountCents !== undefined ? { amountCents: e.amountCents } : {}),
      });
    }
  }
  return out;
}

export interface DeadLetter {
  code: string;
  eventId?: string;
  reason: string;
}

/** The dead letters a region wrote after the marks, with their code and (if decodable) event id. */
export async function deadLettersSince(region: ChaosRegion, from: Offsets): Promise<DeadLetter[]> {
  const topic = deadLetterTopic(region);
  const now = await endOffsets(region, [topic]);
  let n = 0n;
  for (const [p, end] of now.get(topic)!) n += end - (from.get(topic)?.get(p) ?? 0n);
  if (n === 0n) return [];
  const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: LOCAL_REGISTRIES[region] }) });
  const out: DeadLetter[] = [];
  for (const r of await readTopicToEnd(kafkas.get(region)!, topic, 120_000)) {
    if (BigInt(r.offset) < (from.get(topic)?.get(r.partition) ?? 0n)) continue;
    if (r.headers[DLQ_HEADERS.code] === undefined) continue; // bookkeeping (e.g. `dlq reapply` markers)
    const source = r.headers[DLQ_HEADERS.topic] ?? 'meridian.profile';
    const e = await serde
      .decode(r.rawValue, r.rawHeaders, { topic: source })
      .then((x) => x as { envelope: { eventId: string } })
      .catch(() => undefined);
    out.push({
      code: r.headers[DLQ_HEADERS.code]!,
      reason: r.headers[DLQ_HEADERS.reason] ?? '',
      ...(e ? { eventId: e.envelope.eventId } : {}),
    });
  }
  return out;
}

export interface ProfileView {
  digest: string;
  state: Record<string, { counter?: number; set?: string[] }>;
}

const readApi = (region: ChaosRegion) => new ReadApiClient(CHAOS_REGIONS[region].projector);

export async function view(region: ChaosRegion, id: string): Promise<ProfileView | undefined> {
  return (await readApi(region).aggregate('profile', id)) as ProfileView | undefined;
}

export async function stateDigest(region: ChaosRegion): Promise<string> {
  return (await readApi(region).digest()).digest;
}
