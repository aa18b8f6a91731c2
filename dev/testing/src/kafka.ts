import { type IHeaders, Kafka, logLevel } from 'kafkajs';
import { waitFor } from '@meridian/local';
import { uniqueName } from './names';

/** Bootstrap addresses of the shipped local topologies (mirrormaker/topologies/*.yaml). */
export const LOCAL_REGIONS = {
  'us-east': '127.0.0.1:19092',
  'us-west': '127.0.0.1:29092',
  eu: '127.0.0.1:31092',
} as const;

/** Each region's schema registry (Confluent API) in the shipped topologies. */
export const LOCAL_REGISTRIES = {
  'us-east': 'http://127.0.0.1:18081/apis/ccompat/v7',
  'us-west': 'http://127.0.0.1:28081/apis/ccompat/v7',
  eu: 'http://127.0.0.1:31081/apis/ccompat/v7',
} as const;

/** Each region's profile-service and projector in the shipped topologies. */
export const LOCAL_APPS = {
  'us-east': { service: 'http://127.0.0.1:18090', projector: 'http://127.0.0.1:18070' },
  'us-west': { service: 'http://127.0.0.1:28090', projector: 'http://127.0.0.1:28070' },
  eu: { service: 'http://127.0.0.1:31090', projector: 'http://127.0.0.1:31070' },
} as const;

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
