import { type Admin, Kafka, logLevel } from 'kafkajs';

export interface PartitionOffsets {
  partition: number;
  /** Log start offset. */
  low: bigint;
  /** Log end offset. */
  high: bigint;
}

/** What the monitor asks of one region's Kafka: the port its sampling runs against. */
export interface RegionClient {
  listTopics(): Promise<string[]>;
  fetchOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** ListOffsets by timestamp: the first offset whose record timestamp is ≥ `timestampMs`, or the end. */
  offsetAtTimestamp(topic: string, partition: number, timestampMs: number): Promise<bigint>;
  /**
   * Starts afresh: drops the connection and any per-topic client state. kafkajs adds every topic it
   * was asked about to all its later metadata requests, so once one is deleted they all fail; a fresh
   * client is the way out.
   */
  reset(): Promise<void>;
}

/** The kafkajs adapter: one admin client, replaced on `reset`. */
export class KafkaRegionClient implements RegionClient {
  private admin: Admin | undefined;

  constructor(private readonly kafka: Kafka) {}

  static forBrokers(brokers: string): KafkaRegionClient {
    return new KafkaRegionClient(
      new Kafka({
        clientId: 'meridian-monitor',
        brokers: [brokers],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 500,
        requestTimeout: 2000,
        retry: { retries: 0 },
      }),
    );
  }

  private async client(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
    } catch (e) {
      await admin.disconnect().catch(() => undefined);
      throw e;
    }
    return (this.admin = admin);
  }

  async listTopics(): Promise<string[]> {
    return (await this.client()).listTopics();
  }

  async fetchOffsets(topic: string): Promise<PartitionOffsets[]> {
    const parts = await (await this.client()).fetchTopicOffsets(topic);
    return parts.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));
  }

  async offsetAtTimestamp(topic: string, partition: number, timestampMs: number): Promise<bigint> {
    const parts = await (await this.client()).fetchTopicOffsetsByTimestamp(topic, timestampMs);
    const p = parts.find((x) => x.partition === partition);
    if (!p) throw new RangeError(`${topic} has no partition ${partition}`);
    return BigInt(p.offset);
  }

  async reset(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}
