import { type Consumer, Kafka, logLevel } from 'kafkajs';
import type { TailIndex, TailRecord } from './at-risk';

export interface TailFollowerOptions {
  region: string;
  brokers: string;
  index: TailIndex;
  /** Where a partition not yet in the index starts: the lowest offset any target still lacks. */
  startOf: (topic: string, partition: number) => bigint | undefined;
}

/**
 * Reads a source region's own event topics from where its targets' copies end, into a `TailIndex`
 * (key, timestamp and tenant header of each record; nothing else is kept). kafkajs resolves a
 * subscription when the consumer starts, so a changed topic list means a new consumer, which
 * resumes each partition where the index left off. Nothing is committed to a group.
 */
export class TailFollower {
  private consumer: Consumer | undefined;
  private topics: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private generation = 0;
  private stopped = false;

  constructor(private readonly o: TailFollowerOptions) {}

  /** Follows exactly `topics` from now on (restarting the consumer if the list changed). */
  follow(topics: readonly string[]): void {
    const next = [...topics].sort();
    if (next.length === this.topics.length && next.every((t, i) => t === this.topics[i])) return;
    this.topics = next;
    this.chain = this.chain.then(() => this.restart(next)).catch(() => undefined);
  }

  /**
   * Stops following. Does not wait for a restart in progress (its connect can retry for minutes while
   * a source is down): that restart sees `stopped` and disconnects what it made.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.consumer;
    this.consumer = undefined;
    await c?.disconnect().catch(() => undefined);
  }

  private async restart(topics: string[]): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    if (this.stopped || topics.length === 0 || topics !== this.topics) return;
    const kafka = new Kafka({
      clientId: 'meridian-monitor-tail',
      brokers: [this.o.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 1000, initialRetryTime: 300, maxRetryTime: 3000 },
    });
    const consumer = kafka.consumer({
      groupId: `meridian-monitor-tail-${this.o.region}-${process.pid}-${Date.now()}-${this.generation++}`,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 1024 * 1024,
      metadataMaxAge: 5000,
    });
    const starts = new Map<string, bigint>();
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment))
        for (const partition of partitions) {
          const at = this.o.index.readTo(topic, partition) ?? this.o.startOf(topic, partition);
          if (at === undefined) continue;
          starts.set(`${topic}:${partition}`, at);
          consumer.seek({ topic, partition, offset: at.toString() });
        }
    });
    this.consumer = consumer;
    await consumer.connect();
    if (this.stopped) {
      await consumer.disconnect().catch(() => undefined);
      return;
    }
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        const first = batch.messages[0];
        const start = starts.get(`${batch.topic}:${batch.partition}`) ?? (first ? BigInt(first.offset) : 0n);
        const records: TailRecord[] = batch.messages.map((m) => {
          const tenant = m.headers?.tenant;
          return {
            offset: BigInt(m.offset),
            aggregateId: m.key?.toString('utf8') ?? '',
            timestampMs: Number(m.timestamp),
            ...(tenant !== undefined ? { tenant: tenant.toString() } : {}),
          };
        });
        this.o.index.add(batch.topic, batch.partition, start, records);
        this.o.index.advance(batch.topic, batch.partition, BigInt(batch.lastOffset()) + 1n);
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
      },
    });
  }
}
