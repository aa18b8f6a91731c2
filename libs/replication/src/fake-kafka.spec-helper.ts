/**
 * A fake of the parts of kafkajs the monitor uses, for `jest.mock('kafkajs', …)`: brokers holding
 * partitions of record timestamps, admin clients with kafkajs's sticky "target topics" (once asked
 * about a topic, every later call fails if it is deleted — until a fresh client), and consumers whose
 * `eachMessage` the test drives to deliver MirrorMaker 2 offset-syncs and heartbeats.
 */
import { encodeOffsetSync, type OffsetSync } from './mm2-formats';

export class FakeBroker {
  up = true;
  /** topic → partitions → record timestamps (offset = index), and the log start. */
  readonly topics = new Map<string, { low: number; ts: number[] }[]>();

  createTopic(topic: string, partitions = 1): void {
    this.topics.set(
      topic,
      Array.from({ length: partitions }, () => ({ low: 0, ts: [] })),
    );
  }

  append(topic: string, partition: number, timestampMs: number, n = 1): void {
    const p = this.topics.get(topic)?.[partition];
    if (!p) throw new RangeError(`no ${topic}/${partition}`);
    for (let i = 0; i < n; i++) p.ts.push(timestampMs);
  }

  end(topic: string, partition = 0): number {
    return this.topics.get(topic)![partition]!.ts.length;
  }
}

type Handler = (p: { topic: string; message: { key: Buffer; value: Buffer } }) => Promise<void>;

export const fakeWorld = {
  brokers: new Map<string, FakeBroker>(),
  handlers: new Map<string, Handler>(),
  reset(): void {
    this.brokers.clear();
    this.handlers.clear();
  },
  broker(address: string): FakeBroker {
    let b = this.brokers.get(address);
    if (!b) this.brokers.set(address, (b = new FakeBroker()));
    return b;
  },
  /** Delivers an offset-sync of flow source → target to the monitor's consumer in `targetAddress`. */
  async deliverSync(targetAddress: string, source: string, s: OffsetSync): Promise<void> {
    const { key, value } = encodeOffsetSync(s);
    await this.handlers.get(targetAddress)?.({
      topic: `mm2-offset-syncs.${source}.internal`,
      message: { key, value },
    });
  },
  async deliverHeartbeat(targetAddress: string, source: string, target: string, timestampMs: number) {
    const str = (s: string) => {
      const b = Buffer.from(s, 'utf8');
      const out = Buffer.alloc(2 + b.length);
      out.writeInt16BE(b.length, 0);
      b.copy(out, 2);
      return out;
    };
    const value = Buffer.alloc(10);
    value.writeInt16BE(0, 0);
    value.writeBigInt64BE(BigInt(timestampMs), 2);
    await this.handlers.get(targetAddress)?.({
      topic: `${source}.heartbeats`,
      message: { key: Buffer.concat([str(source), str(target)]), value },
    });
  },
};

const unknownTopic = () =>
  Object.assign(new Error('This server does not host this topic-partition'), {
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
  });

class FakeAdmin {
  private readonly targetTopics = new Set<string>();
  constructor(private readonly address: string) {}
  private get b(): FakeBroker {
    const b = fakeWorld.broker(this.address);
    if (!b.up) throw Object.assign(new Error('Connection error: ECONNREFUSED'), { type: 'CONNECTION' });
    return b;
  }
  async connect(): Promise<void> {
    void this.b;
  }
  async disconnect(): Promise<void> {}
  async listTopics(): Promise<string[]> {
    return [...this.b.topics.keys()];
  }
  private partitions(topic: string) {
    const b = this.b;
    this.targetTopics.add(topic);
    // kafkajs refreshes metadata for every target topic: one deleted topic fails them all.
    for (const t of this.targetTopics) if (!b.topics.has(t)) throw unknownTopic();
    return b.topics.get(topic)!;
  }
  async fetchTopicOffsets(topic: string) {
    return this.partitions(topic).map((p, partition) => ({
      partition,
      offset: String(p.ts.length),
      high: String(p.ts.length),
      low: String(p.low),
    }));
  }
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp: number) {
    return this.partitions(topic).map((p, partition) => {
      let i = p.low;
      while (i < p.ts.length && p.ts[i]! < timestamp) i++;
      return { partition, offset: String(i) };
    });
  }
}

class FakeConsumer {
  constructor(private readonly address: string) {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(o: { eachMessage: Handler }): Promise<void> {
    fakeWorld.handlers.set(this.address, o.eachMessage);
  }
}

class FakeKafka {
  private readonly address: string;
  constructor(o: { brokers: string[] }) {
    this.address = o.brokers[0]!;
  }
  admin(): FakeAdmin {
    return new FakeAdmin(this.address);
  }
  consumer(): FakeConsumer {
    return new FakeConsumer(this.address);
  }
}

/** The module `jest.mock('kafkajs')` returns. */
export const fakeKafkajs = { Kafka: FakeKafka, logLevel: { NOTHING: 0 } };
