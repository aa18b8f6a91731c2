/**
 * The contract against the real local topology: the Confluent adapter against Apicurio (one registry
 * per region), and events produced in us-east, mirrored by MirrorMaker 2 into us-west and eu, decoded
 * there with each region's own registry even though the regions registered the schemas in different
 * orders (so the 4-byte wire ids disagree).
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import {
  ConfluentSchemaRegistry,
  ContractError,
  EventSerde,
  FINGERPRINT_HEADER,
  generatedReaders,
  registerAll,
  type MeridianEvent,
  type ReaderSchema,
  type SchemaRegistry,
} from '@meridian/contract';
import { LOCAL_REGISTRIES, localKafka, uniqueName, waitFor } from '@meridian/testing';
import { allSamples, envelope } from './fixtures.spec-helper';

const REGISTRIES = LOCAL_REGISTRIES;
type Region = keyof typeof REGISTRIES;
const registry = (r: Region): ConfluentSchemaRegistry => new ConfluentSchemaRegistry({ url: REGISTRIES[r] });

/** A schema family unique to this run (Avro names allow no `-`), so ids are new in every registry. */
function uniqueFamily(): { v1: ReaderSchema; v2: ReaderSchema; aggregateType: string } {
  const aggregateType = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const tag = generatedReaders().find(
    (r) => r.fullName === 'io.meridian.profile.v1.TagAdded',
  ) as ReaderSchema;
  const schema = JSON.parse(tag.text) as { namespace: string; fields: object[] };
  const v1 = { ...schema, namespace: `io.meridian.${aggregateType}.v1` };
  const v2 = {
    ...v1,
    fields: [...v1.fields, { name: 'source', type: 'string', default: 'web', doc: 'origin UI' }],
  };
  const fullName = `io.meridian.${aggregateType}.v1.TagAdded`;
  return {
    v1: { fullName, text: JSON.stringify(v1) },
    v2: { fullName, text: JSON.stringify(v2) },
    aggregateType,
  };
}

/** Filler subjects registered per registry URL, deleted after the tests. */
const fillers: { url: string; subject: string }[] = [];

async function filler(r: SchemaRegistry): Promise<number> {
  const name = `f${randomUUID().replace(/-/g, '')}`;
  const text = JSON.stringify({ type: 'record', name, namespace: 'io.meridian.itest', fields: [] });
  fillers.push({ url: r.name, subject: `io.meridian.itest.${name}` });
  return r.register(`io.meridian.itest.${name}`, text);
}

/** Registers fillers until the registry's next id cannot be `avoid`, then `schema`. */
async function registerAvoiding(r: SchemaRegistry, schema: ReaderSchema, avoid: number): Promise<number> {
  for (let i = 0; i < 500 && (await filler(r)) < avoid; i++);
  return r.register(schema.fullName, schema.text);
}

async function deleteSubject(url: string, subject: string): Promise<void> {
  const s = encodeURIComponent(subject);
  await fetch(`${url}/subjects/${s}`, { method: 'DELETE' }).catch(() => undefined);
  await fetch(`${url}/subjects/${s}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
}

describe('Confluent adapter against Apicurio (us-east)', () => {
  const url = REGISTRIES['us-east'];
  const r = registry('us-east');
  const { v1, v2 } = uniqueFamily();
  afterAll(() => deleteSubject(url, v1.fullName));

  it('registers idempotently, looks up, lists versions and enforces the subject mode', async () => {
    expect(await r.listVersions(v1.fullName)).toEqual([]);
    expect(await r.lookup(v1.fullName, v1.text)).toBeUndefined();
    await r.setCompatibility(v1.fullName, 'BACKWARD');
    const id = await r.register(v1.fullName, v1.text);
    expect(await r.register(v1.fullName, v1.text)).toBe(id);
    expect(await r.getCompatibility(v1.fullName)).toBe('BACKWARD');
    expect(await r.lookup(v1.fullName, v1.text)).toMatchObject({ id, version: 1 });
    expect(await r.getSchemaById(id)).toBe(v1.text);

    expect(await r.testCompatibility(v1.fullName, v2.text)).toEqual({ compatible: true, messages: [] });
    const broken = v1.text.replace('"name":"tag","type":"string"', '"name":"tag","type":"int"');
    expect(await r.testCompatibility(v1.fullName, broken)).toEqual({
      compatible: false,
      messages: [`${v1.fullName}: field \`tag\` changed type string -> int`],
    });
    await expect(r.register(v1.fullName, broken)).rejects.toMatchObject({ code: 'INCOMPATIBLE_SCHEMA' });
    const id2 = await r.register(v1.fullName, v2.text);
    expect(await r.listVersions(v1.fullName)).toEqual([1, 2]);
    expect(await r.getLatest(v1.fullName)).toMatchObject({ id: id2, version: 2 });
    await expect(r.getSchemaById(2_000_000_000)).rejects.toMatchObject({ code: 'UNKNOWN_SCHEMA' });
  });

  it('registerAll is idempotent against a real registry', async () => {
    const first = await registerAll(r);
    expect(await registerAll(r)).toEqual(first);
  });
});

describe('events mirrored us-east -> us-west, eu decode with the local registry', () => {
  const topic = `meridian.${uniqueName('contract')}`;
  const family = uniqueFamily();
  afterAll(async () => {
    for (const region of Object.keys(REGISTRIES) as Region[])
      await deleteSubject(REGISTRIES[region], family.v1.fullName);
    for (const f of fillers.splice(0)) await deleteSubject(f.url, f.subject);
  });

  async function consumeAll(kafka: Kafka, from: string, n: number): Promise<KafkaMessage[]> {
    const admin = kafka.admin();
    await admin.connect();
    await waitFor(async () => (await admin.listTopics()).includes(from), {
      timeoutMs: 90_000,
      description: `MirrorMaker 2 to create ${from}`,
    });
    await admin.disconnect();
    const messages: KafkaMessage[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('contract-reader'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: from, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
    try {
      await waitFor(() => messages.length >= n, {
        timeoutMs: 90_000,
        intervalMs: 50,
        description: `${n} records in ${from}`,
      });
    } finally {
      await consumer.disconnect();
    }
    return messages;
  }

  it('decodes by fingerprint although the wire ids differ per region', async () => {
    const east = registry('us-east');
    const west = registry('us-west');
    const eu = registry('eu');
    // Different registration orders per region (ids of already-registered schemas stay as they are).
    const readers = generatedReaders();
    await registerAll(east, { schemas: readers });
    await registerAll(west, { schemas: [...readers].reverse() });
    await filler(eu);
    await registerAll(eu, { schemas: [...readers.slice(5), ...readers.slice(0, 5)] });
    // The unique family is new everywhere: make its v2 id in us-east mean something else elsewhere.
    await east.register(family.v1.fullName, family.v1.text);
    const eastV2 = await east.register(family.v2.fullName, family.v2.text);
    const westV2 = await registerAvoiding(west, family.v2, eastV2);
    await west.register(family.v1.fullName, family.v1.text);
    await eu.register(family.v1.fullName, family.v1.text);
    const euV2 = await registerAvoiding(eu, family.v2, eastV2);
    expect([westV2, euV2]).not.toContain(eastV2);

    // Produce in us-east: one of every real event, plus the unique v2 event.
    const samples = allSamples();
    const writerV2 = new EventSerde({ registry: east, readers: [family.v2] });
    const v2Event = {
      type: family.v2.fullName,
      envelope: envelope({ aggregateType: family.aggregateType }),
      tag: 'mirrored',
      source: 'app',
    } as unknown as MeridianEvent;
    const serdeEast = new EventSerde({ registry: east });
    const encoded = [
      ...(await Promise.all(samples.map((e) => serdeEast.encode(e)))),
      await writerV2.encode(v2Event),
    ];
    const kEast = localKafka('us-east', 'contract-int');
    const admin = kEast.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kEast.producer();
    await producer.connect();
    await producer.send({ topic, messages: encoded });
    await producer.disconnect();

    for (const [region, reg] of [
      ['us-west', west],
      ['eu', eu],
    ] as const) {
      const mirrored = `us-east.${topic}`;
      const messages = await consumeAll(localKafka(region, 'contract-int'), mirrored, encoded.length);
      // Reader of the unique family is v1: the v2 writer schema must come from the local registry.
      const serde = new EventSerde({ registry: reg, readers: [...readers, family.v1] });
      const decoded = await Promise.all(
        messages.map((m) => serde.decode(m.value, m.headers, { topic: mirrored })),
      );
      expect(decoded.slice(0, samples.length)).toEqual(samples);
      const { source: _dropped, ...asV1 } = v2Event as unknown as Record<string, unknown>;
      expect(decoded[samples.length]).toEqual(asV1);

      // Without the identity headers a mirrored record is refused, never decoded by a foreign id.
      const last = messages[messages.length - 1] as KafkaMessage;
      const bare = { ...last.headers, [FINGERPRINT_HEADER]: undefined };
      const err = await serde.decode(last.value, bare, { topic: mirrored }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContractError);
      expect(err).toMatchObject({ code: 'UNKNOWN_SCHEMA', retriable: false });
    }
  });
});
