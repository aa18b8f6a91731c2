/**
 * The replication monitor against real brokers and MirrorMaker 2: exact RPO in records with a flow's
 * mirror stopped, exact projection lag with the target projector stopped, stale last-known figures
 * when the source broker dies. Stops and restarts real processes through the CLI.
 */
import { join } from 'node:path';
import { AGGREGATE_TYPES } from '@meridian/contract';
import { profileSteps } from '@meridian/domain';
import { EventPublisher } from '@meridian/publisher';
import { type FlowFigures, ReplicationMonitor } from '@meridian/replication';
import {
  LOCAL_PROJECTORS,
  LOCAL_REGIONS,
  LOCAL_REGISTRIES,
  localKafka,
  meridian,
  uniqueName,
  waitFor,
} from '@meridian/testing';
import { loadTopology, remoteTopicName, aggregateTopic } from '@meridian/topology';

const root = join(__dirname, '..');
const topology = loadTopology('active-active', root);

describe('replication monitor (real brokers, real MirrorMaker 2)', () => {
  let monitor: ReplicationMonitor;
  const flow = (source: string, target: string): FlowFigures | undefined =>
    monitor.flows().find((f) => f.source === source && f.target === target);
  const topicRpo = (f: FlowFigures | undefined, topic: string) =>
    f?.partitions.filter((p) => p.topic === topic).reduce((s, p) => s + p.rpoRecords, 0);

  beforeAll(async () => {
    monitor = new ReplicationMonitor({
      topology,
      rpoTargetMs: topology.rpoTargetMs,
      projectorUrls: LOCAL_PROJECTORS,
      projectedTopics: AGGREGATE_TYPES.map((a) => aggregateTopic(a)),
      sampleIntervalMs: 50,
    });
    await monitor.start();
  });
  afterAll(async () => {
    await monitor?.stop();
  });

  it('with the mirror into us-west stopped, reports exactly N records at risk for that flow only, then 0', async () => {
    const topic = `meridian.${uniqueName('rpo')}`;
    const usEast = localKafka('us-east');
    const admin = usEast.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    // Both mirrors have picked the topic up before one of them stops.
    await waitFor(
      async () => {
        for (const region of ['us-west', 'eu'] as const) {
          const a = localKafka(region).admin();
          await a.connect();
          const ok = (await a.listTopics()).includes(remoteTopicName('us-east', topic));
          await a.disconnect();
          if (!ok) return false;
        }
        return flow('us-east', 'us-west')?.partitions.some((p) => p.topic === topic) === true;
      },
      { timeoutMs: 90_000, description: `${topic} mirrored into us-west and eu, and sampled` },
    );

    meridian('local', 'stop', 'mm2-us-west');
    try {
      const N = 37;
      const producer = usEast.producer({ idempotent: true });
      await producer.connect();
      for (let i = 0; i < N; i++)
        await producer.send({ topic, acks: -1, messages: [{ key: `k${i}`, value: `v${i}` }] });
      await producer.disconnect();

      await waitFor(
        () =>
          topicRpo(flow('us-east', 'us-west'), topic) === N && topicRpo(flow('us-east', 'eu'), topic) === 0,
        {
          timeoutMs: 30_000,
          description: `RPO ${N} for us-east→us-west and 0 for us-east→eu`,
        },
      );
      const first = flow('us-east', 'us-west')!.rpoMs;
      await waitFor(() => flow('us-east', 'us-west')!.rpoMs > first + 200, {
        timeoutMs: 10_000,
        description: 'a growing RPO age',
      });
      const f = flow('us-east', 'us-west')!;
      console.log(
        `[monitor] us-east→us-west at risk: ${topicRpo(f, topic)} records, oldest ${f.rpoMs} ms; within target: ${f.withinTarget}`,
      );
      expect(f.withinTarget).toBe(false);
    } finally {
      meridian('local', 'up', '--topology', 'active-active');
    }
    await waitFor(() => topicRpo(flow('us-east', 'us-west'), topic) === 0, {
      timeoutMs: 90_000,
      description: 'RPO back to 0 after the mirror restarted',
    });
  });

  it('with the us-west projector stopped, reports a projection lag of exactly N', async () => {
    const lag = () => flow('us-east', 'us-west')?.projectionLagRecords;
    await waitFor(() => lag() === 0, { timeoutMs: 60_000, description: 'no projection lag before the test' });
    meridian('local', 'stop', 'projector-us-west');
    const publisher = new EventPublisher({
      region: 'us-east',
      kafka: { brokers: [LOCAL_REGIONS['us-east']] },
      registry: { url: LOCAL_REGISTRIES['us-east'] },
    });
    try {
      const N = 23;
      const id = uniqueName('lag');
      for (let i = 0; i < N; i++) await publisher.publish('profile', id, [profileSteps.recordLogin()]);
      await waitFor(() => lag() === N && flow('us-east', 'us-west')!.rpoRecords === 0, {
        timeoutMs: 30_000,
        description: `projection lag ${N} once mirrored`,
      });
      console.log(
        `[monitor] projection lag us-east→us-west: ${lag()} records, ${flow('us-east', 'us-west')!.projectionLagMs} ms`,
      );
    } finally {
      await publisher.close();
      meridian('local', 'up', '--topology', 'active-active');
    }
    await waitFor(() => lag() === 0, { timeoutMs: 60_000, description: 'projection lag back to 0' });
  });

  it('when the source broker dies, keeps the last figures, marked stale with their age', async () => {
    await waitFor(() => flow('us-east', 'eu')?.stale === false, {
      timeoutMs: 10_000,
      description: 'fresh figures',
    });
    meridian('local', 'kill', 'us-east');
    try {
      await waitFor(() => (flow('us-east', 'eu')?.staleForMs ?? 0) > 500, {
        timeoutMs: 30_000,
        description: 'stale figures',
      });
      const a = flow('us-east', 'eu')!;
      await waitFor(() => (flow('us-east', 'eu')?.staleForMs ?? 0) > a.staleForMs! + 300, {
        timeoutMs: 10_000,
        description: 'a growing staleness age',
      });
      const b = flow('us-east', 'eu')!;
      expect(b.stale).toBe(true);
      expect(b.partitions.length).toBeGreaterThan(0); // the last known figures stay visible
      expect(b.rpoRecords).toBe(a.rpoRecords);
      expect(flow('us-west', 'eu')!.stale).toBe(false);
    } finally {
      meridian('local', 'revive', 'us-east');
    }
    await waitFor(() => flow('us-east', 'eu')?.stale === false, {
      timeoutMs: 60_000,
      description: 'fresh again',
    });
  });
});
