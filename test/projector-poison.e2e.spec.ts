/**
 * Poison records on the shared us-east projector (port 18070): a wrong magic byte, a Confluent header
 * naming a schema id the registry does not know (no fingerprint headers), and a valid event cut short.
 * Each must land in `meridian-dlq.us-east` unchanged with its source and a distinct reason code, and
 * must not block its partition: a valid event produced after them, in the same partition, is applied.
 */
import { Partitioners, type Producer } from 'kafkajs';
import { ConfluentSchemaRegistry, DLQ_HEADERS, EventSerde, type MeridianEvent } from '@meridian/contract';
import { PROFILE, profileSteps } from '@meridian/domain';
import { EventPublisher } from '@meridian/publisher';
import {
  LOCAL_REGIONS,
  localKafka,
  type ReadRecord,
  readRecords,
  uniqueName,
  waitFor,
} from '@meridian/testing';
import { ProjectorClient, REGION, REGISTRY_URL, SHARED_PROJECTOR_URL } from './support/projector-process';
import { deadLetterTopic, aggregateTopic } from '@meridian/topology';
import { creditAdjusted } from './support/events';

const TOPIC = aggregateTopic(PROFILE);
const DLQ_TOPIC = deadLetterTopic(REGION);

/** A well-formed CreditAdjusted for `id` (what a writer would send), to be damaged. */
function creditEvent(id: string): MeridianEvent {
  return creditAdjusted({ id, region: REGION, amountCents: 1, nodeId: `${REGION}.poison-test.0` });
}

interface Sent {
  name: string;
  key: string;
  value: Buffer;
  expectedCode: string;
  offset?: string;
}

describe('poison records on the shared us-east projector', () => {
  const kafka = localKafka(REGION, 'test-poison');
  const projector = new ProjectorClient(SHARED_PROJECTOR_URL);
  let producer: Producer | undefined;
  let publisher: EventPublisher | undefined;
  let dlq: Awaited<ReturnType<typeof readRecords>> | undefined;

  afterAll(async () => {
    await dlq?.stop();
    await producer?.disconnect();
    await publisher?.close();
  });

  it('dead-letters each with its reason, unchanged, and keeps applying the partition', async () => {
    // The valid event's partition (default partitioner, as the publisher uses): poison goes there first.
    const validId = uniqueName('poison-valid');
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] }).finally(() => admin.disconnect());
    const partitionMetadata = meta.topics[0]?.partitions ?? [];
    const partition = Partitioners.DefaultPartitioner()({
      topic: TOPIC,
      partitionMetadata,
      message: { key: validId, value: null },
    });

    const unknownId = 2_000_000_000 + Math.floor(Math.random() * 100_000_000);
    const probe = await fetch(`${REGISTRY_URL}/schemas/ids/${unknownId}`);
    expect(probe.status).toBe(404); // the id really is unknown to the us-east registry

    const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: REGISTRY_URL }) });
    const truncatedId = uniqueName('poison-truncated');
    const whole = await serde.encode(creditEvent(truncatedId));
    const unknownSchema = Buffer.from(whole.value);
    unknownSchema.writeInt32BE(unknownId, 1);

    const sent: Sent[] = [
      {
        name: 'wrong magic byte',
        key: uniqueName('poison-magic'),
        value: Buffer.concat([Buffer.from([0x7b]), whole.value.subarray(1)]),
        expectedCode: 'BAD_MAGIC_BYTE',
      },
      {
        name: 'unknown schema id, no fingerprint headers',
        key: uniqueName('poison-schema'),
        value: unknownSchema,
        expectedCode: 'UNKNOWN_SCHEMA',
      },
      {
        name: 'truncated body',
        key: truncatedId,
        value: whole.value.subarray(0, Math.floor(whole.value.length / 2)),
        expectedCode: 'TRUNCATED',
      },
    ];
    const headersOf = (s: Sent): Record<string, string> => (s.key === truncatedId ? whole.headers : {});

    dlq = await readRecords(kafka, DLQ_TOPIC);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const s of sent) {
      const [md] = await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: [{ key: s.key, value: s.value, headers: headersOf(s), partition }],
      });
      s.offset = md?.baseOffset;
      expect(md?.partition).toBe(partition);
    }
    console.log(`[poison] produced to ${TOPIC}[${partition}] at ${sent.map((s) => s.offset).join(', ')}`);

    publisher = new EventPublisher({
      region: REGION,
      kafka: { brokers: [LOCAL_REGIONS['us-east']], clientId: 'test-poison-valid' },
      registry: { url: REGISTRY_URL },
    });
    const [published] = await publisher.publish(PROFILE, validId, [profileSteps.adjustCredit(42)]);
    expect(published?.partition).toBe(partition); // after the poison, in the same partition

    const reader = dlq;
    const found = await waitFor(
      () => {
        const byKey = sent.map((s) => reader.records.filter((r) => r.key === s.key));
        return byKey.every((rs) => rs.length > 0) ? byKey : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: `the 3 poison records in ${DLQ_TOPIC}` },
    );
    sent.forEach((s, i) => {
      const copies = found[i] as ReadRecord[];
      for (const r of copies) {
        expect({ name: s.name, code: r.headers[DLQ_HEADERS.code] }).toEqual({
          name: s.name,
          code: s.expectedCode,
        });
        expect(r.headers[DLQ_HEADERS.reason]?.length).toBeGreaterThan(0);
        expect(r.headers[DLQ_HEADERS.topic]).toBe(TOPIC);
        expect(r.headers[DLQ_HEADERS.partition]).toBe(String(partition));
        expect(r.headers[DLQ_HEADERS.offset]).toBe(s.offset);
        expect(r.rawValue?.equals(s.value)).toBe(true); // the raw value, byte for byte
        for (const [k, v] of Object.entries(headersOf(s))) expect(r.headers[k]).toBe(v); // original headers kept
      }
      const r = copies[0] as ReadRecord;
      console.log(
        `[poison] ${s.name}: ${r.headers[DLQ_HEADERS.code]} (${copies.length} cop${copies.length === 1 ? 'y' : 'ies'}): ` +
          r.headers[DLQ_HEADERS.reason],
      );
    });
    expect(new Set(sent.map((s) => s.expectedCode)).size).toBe(sent.length);

    const applied = await waitFor(
      async () => {
        const agg = await projector.aggregate(PROFILE, validId);
        return agg?.state.credit?.counter === 42 ? agg : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: `${validId} applied by ${SHARED_PROJECTOR_URL}` },
    );
    expect(applied.region).toBe(REGION);
  });
});
