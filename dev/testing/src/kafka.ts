import { type IHeaders, Kafka, logLevel } from 'kafkajs';
import { waitFor } from '@meridian/local';
import { uniqueName } from './names';
import {
  bootstrapServers,
  findRepoRoot,
  loadTopology,
  region,
  type Region,
  registryUrl,
} from '@meridian/topology';

/** The regions of the shipped local topologies (mirrormaker/topologies/*.yaml share their ports). */
export type LocalRegion = 'us-east' | 'us-west' | 'eu';
const NAMES: readonly LocalRegion[] = ['us-east', 'us-west', 'eu'];

/** The shipped topology, read once: every address below is derived from it, none written twice. */
export const SHIPPED_TOPOLOGY = loadTopology('active-active', findRepoRoot());

function perRegion<T>(f: (r: Region) => T): Record<LocalRegion, T> {
  return Object.fromEntries(NAMES.map((n) => [n, f(region(SHIPPED_TOPOLOGY, n))])) as Record<LocalRegion, T>;
}

function portOf(r: Region, what: 'profileService' | 'projector' | 'registry'): number {
  const port = r[what]?.port;
  if (port === undefined) throw new Error(`the shipped topology gives ${r.name} no ${what}`);
  return port;
}

/** Bootstrap address of each region's broker. */
export const LOCAL_REGIONS = perRegion((r) => bootstrapServers(r));

/** Each region's schema registry (Confluent API). */
export const LOCAL_REGISTRIES = perRegion(
  (r) => registryUrl(r) ?? `http://127.0.0.1:${portOf(r, 'registry')}`,
);

/** Each region's profile-service and projector. */
export const LOCAL_APPS = perRegion((r) => ({
  service: `http://127.0.0.1:${portOf(r, 'profileService')}`,
  projector: `http://127.0.0.1:${portOf(r, 'projector')}`,
}));

/** The topology's own services (e.g. `inventory-service`), by name and region. */
export const LOCAL_SERVICES: Readonly<Record<string, Partial<Record<LocalRegion, string>>>> =
  Object.fromEntries(
    SHIPPED_TOPOLOGY.services.map((svc) => [
      svc.name,
      Object.fromEntries(
        Object.entries(svc.regions).map(([region, { port }]) => [region, `http://127.0.0.1:${port}`]),
      ),
    ]),
  );

/** Each region's projector read API, by region (what the replication monitor is given). */
export const LOCAL_PROJECTORS = perRegion((r) => `http://127.0.0.1:${portOf(r, 'projector')}`);

/** The global gateway and replication monitor. */
export const LOCAL_GATEWAY = `http://127.0.0.1:${required(SHIPPED_TOPOLOGY.gateway, 'gateway').port}`;
export const LOCAL_MONITOR = `http://127.0.0.1:${required(SHIPPED_TOPOLOGY.monitor, 'monitor').port}`;

function required<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`the shipped topology has no ${what}`);
  return v;
}

/** What a regional service needs to reach its region's broker and registry. */
export function localRegionEnv(region: keyof typeof LOCAL_REGIONS) {
  return { REGION: region, KAFKA_BROKERS: [LOCAL_REGIONS[region]], REGISTRY_URL: LOCAL_REGISTRIES[region] };
}

export function localKafka(region: keyof typeof LOCAL_REGIONS, clientId = 'meridian-test'): Kafka {
  return new Kafka({ clientId, brokers: [LOCAL_REGIONS[region]], logLevel: logLevel.ERROR });
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  timestamp: string;
  /** Local wall clock when the consumer handed us the record. */
  receivedAtMs: number;
  /** The value and headers as bytes, for decoders. */
  rawValue: Buffer | null;
  rawHeaders: IHeaders;
}

function headersToStrings(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
  return out;
}

/**
 * Subscribes (from the beginning, in a fresh group) and returns a handle that collects records;
 * `started` resolves once the consumer has joined, so callers can produce after it.
 */
export async function readRecords(kafka: Kafka, topic: string) {
  const records: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('test-reader'), maxWaitTimeInMs: 100 });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      records.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: headersToStrings(message.headers),
        timestamp: message.timestamp,
        receivedAtMs: Date.now(),
        rawValue: message.value,
        rawHeaders: message.headers ?? {},
      });
    },
  });
  await waitFor(() => joined, { timeoutMs: 30_000, description: `consumer of ${topic} to join its group` });
  return {
    records,
    async waitForCount(n: number, timeoutMs: number): Promise<ReadRecord[]> {
      await waitFor(() => records.length >= n, {
        timeoutMs,
        intervalMs: 20,
        description: `${n} record(s) in ${topic}`,
      });
      return records;
    },
    stop: () => consumer.disconnect(),
  };
}
