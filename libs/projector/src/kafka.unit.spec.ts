import type { EachBatchPayload, Kafka } from 'kafkajs';
import pino from 'pino';
import { EventSerde, InMemorySchemaRegistry, registerAll } from '@meridian/contract';
import { profileModel } from '@meridian/domain';
import { createProjectionStore, type ProjectionStore } from '@meridian/store';
import { ProjectionEngine } from './engine';
import { PositionAheadOfLogError } from './errors';
import { KafkaProjectorRunner } from './kafka';

/** A kafkajs consumer that records what the runner does and hands its `eachBatch` to the test. */
function fakeConsumer() {
  const calls = { stop: 0, pause: 0, resolved: [] as string[] };
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: { GROUP_JOIN: 'group_join', CRASH: 'crash' },
    on: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (o: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => {
      eachBatch = o.eachBatch;
    },
    stop: async () => void calls.stop++,
    disconnect: async () => undefined,
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  /** Delivers one fetched batch, as kafkajs would. */
  const deliver = (topic: string, partition: number, highWatermark: string, offsets: string[]) =>
    eachBatch!({
      batch: {
        topic,
        partition,
        highWatermark,
        messages: offsets.map((offset) => ({
          offset,
          key: null,
          value: Buffer.from([0, 0, 0, 0, 1]),
          headers: {},
          timestamp: '1800000000000',
        })),
      },
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
      resolveOffset: (o: string) => void calls.resolved.push(o),
      pause: () => {
        calls.pause++;
        return () => undefined;
      },
    } as unknown as EachBatchPayload);
  return { kafka, calls, deliver };
}

describe('KafkaProjectorRunner', () => {
  let store: ProjectionStore;
  afterEach(() => store.close());

  it('stops the consumer and reports a fatal error, resolving nothing, when the log is behind the store', async () => {
    const registry = new InMemorySchemaRegistry();
    await registerAll(registry);
    store = createProjectionStore({ kind: 'sqlite', file: ':memory:' });
    // Given a store whose position for meridian.profile[0] is 500 (the topic had 500 records)...
    await store.init();
    await store.commit({
      documents: [],
      positions: [
        {
          topic: 'meridian.profile',
          partition: 0,
          nextOffset: '500',
          sourceRegion: 'us-east',
          appliedAtMs: 1,
          expectedNextOffset: null,
        },
      ],
      counters: { applied: 0, duplicates: 0, deadLettered: 0 },
    });
    const engine = new ProjectionEngine({
      region: 'us-east',
      store,
      serde: new EventSerde({ registry }),
      models: [profileModel],
      deadLetter: { send: async () => undefined },
    });
    await engine.start();
    const { kafka, calls, deliver } = fakeConsumer();
    const fatal: Error[] = [];
    const runner = new KafkaProjectorRunner({
      region: 'us-east',
      kafka,
      aggregateTypes: ['profile'],
      engine,
      groupId: 'g',
      log: pino({ level: 'silent' }),
      onFatal: (e) => void fatal.push(e),
    });
    await runner.start();

    // ...when the recreated topic (log end 3) is consumed from its beginning after the reset,
    await deliver('meridian.profile', 0, '3', ['0', '1', '2']);

    // then nothing is skipped: no offset is resolved, the consumer stops, the process is told.
    expect(calls.resolved).toEqual([]);
    expect(calls.pause).toBe(1);
    expect(calls.stop).toBe(1);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toBeInstanceOf(PositionAheadOfLogError);
    expect(fatal[0]).toMatchObject({ storedNextOffset: '500', logEndOffset: '3' });
    expect((await store.positions())[0]).toMatchObject({ nextOffset: '500' });

    // A batch fetched before the stop took effect is not applied either.
    await deliver('meridian.profile', 0, '3', ['0', '1', '2']);
    expect(calls.resolved).toEqual([]);
  });
});
