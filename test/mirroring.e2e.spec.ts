/**
 * Mirroring smoke test against the real local topology (three KRaft brokers, MirrorMaker 2 mesh).
 * No mocks: records go through real brokers and real MirrorMaker 2 processes.
 */
import type { Kafka } from 'kafkajs';
import { remoteTopicName } from '@meridian/topology';
import { localKafka, readRecords, uniqueName, waitFor } from '@meridian/testing';

const MIRROR_DEADLINE_MS = 15_000;
// A topic created after `up` is discovered on MirrorMaker's topic refresh (5 s here), then its
// tasks are reconfigured: allow for that, once, before measuring the record delay.
const NEW_TOPIC_DEADLINE_MS = 90_000;

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

async function waitForTopic(kafka: Kafka, topic: string, timeoutMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(async () => (await admin.listTopics()).includes(topic), {
      timeoutMs,
      intervalMs: 250,
      description: `topic ${topic} to be created by MirrorMaker 2`,
    });
  } finally {
    await admin.disconnect();
  }
}

describe('MirrorMaker 2 mesh between three regions', () => {
  const usEast = localKafka('us-east');
  const usWest = localKafka('us-west');
  const eu = localKafka('eu');

  it('mirrors a record produced in us-east into us-west and eu with key, value, headers and timestamp intact', async () => {
    const topic = `meridian.${uniqueName('smoke')}`;
    await createTopic(usEast, topic);
    // The topic did not exist at `up`: MirrorMaker 2 must pick it up in both targets.
    await Promise.all([
      waitForTopic(usWest, remoteTopicName('us-east', topic), NEW_TOPIC_DEADLINE_MS),
      waitForTopic(eu, remoteTopicName('us-east', topic), NEW_TOPIC_DEADLINE_MS),
    ]);
    const readers = await Promise.all([
      readRecords(usWest, remoteTopicName('us-east', topic)),
      readRecords(eu, remoteTopicName('us-east', topic)),
    ]);
    try {
      const producer = usEast.producer({ idempotent: true });
      await producer.connect();
      const timestamp = String(Date.now() - 1234); // distinct from the mirror's own clock
      const sentAt = Date.now();
      await producer.send({
        topic,
        acks: -1,
        messages: [
          { key: 'user-42', value: '{"name":"Ada"}', timestamp, headers: { 'x-trace': 'abc', 'x-n': '1' } },
        ],
      });
      await producer.disconnect();

      for (const [name, reader] of [
        ['us-west', readers[0]],
        ['eu', readers[1]],
      ] as const) {
        const [rec] = await reader.waitForCount(1, MIRROR_DEADLINE_MS);
        expect(rec).toMatchObject({
          key: 'user-42',
          value: '{"name":"Ada"}',
          timestamp,
          headers: { 'x-trace': 'abc', 'x-n': '1' },
        });
        console.log(`[smoke] us-east -> ${name}: end-to-end mirror delay ${rec!.receivedAtMs - sentAt} ms`);
      }
    } finally {
      await Promise.all(readers.map((r) => r.stop()));
    }
  });

  it('mirrors eu into us-east (the mesh runs both ways) and keeps per-key order', async () => {
    const topic = `meridian.${uniqueName('mesh')}`;
    await createTopic(eu, topic);
    await waitForTopic(usEast, remoteTopicName('eu', topic), NEW_TOPIC_DEADLINE_MS);
    const reader = await readRecords(usEast, remoteTopicName('eu', topic));
    try {
      const producer = eu.producer({ idempotent: true });
      await producer.connect();
      const sentAt = Date.now();
      const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
      for (const v of values)
        await producer.send({ topic, acks: -1, messages: [{ key: 'agg-1', value: v }] });
      await producer.disconnect();
      const recs = await reader.waitForCount(values.length, MIRROR_DEADLINE_MS);
      expect(recs.map((r) => r.value)).toEqual(values);
      console.log(`[smoke] eu -> us-east: 20 records in ${recs[recs.length - 1]!.receivedAtMs - sentAt} ms`);
    } finally {
      await reader.stop();
    }
  });

  it('does not mirror a remote copy again (one hop in the mesh, no loops)', async () => {
    const topic = `meridian.${uniqueName('hop')}`;
    await createTopic(usWest, topic);
    // Wait until eu has us-west's copy, then wait one more whole topic-refresh cycle of the
    // mirrors (proved by a second, later topic arriving) before looking for a second-hop copy.
    await waitForTopic(eu, remoteTopicName('us-west', topic), NEW_TOPIC_DEADLINE_MS);
    await waitForTopic(usEast, remoteTopicName('us-west', topic), NEW_TOPIC_DEADLINE_MS);
    const later = `meridian.${uniqueName('hop-later')}`;
    await createTopic(usEast, later);
    await waitForTopic(eu, remoteTopicName('us-east', later), NEW_TOPIC_DEADLINE_MS);
    const admin = eu.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      expect(topics).toContain(remoteTopicName('us-west', topic));
      expect(topics).not.toContain(remoteTopicName('us-east', remoteTopicName('us-west', topic)));
    } finally {
      await admin.disconnect();
    }
  });
});
