import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Message, type RecordMetadata } from 'kafkajs';
import { deadLetterTopic } from '@meridian/topology';
import {
  type DeadLetter,
  DeadLetterError,
  type DeadLetterIndex,
  type DeadLetterRecord,
  indexDeadLetters,
  type OutgoingRecord,
  reappliedMarkerRecord,
  reapplyRecord,
  type TopicAddress,
} from './dead-letters';

export interface DeadLetterQueueOptions {
  region: string;
  brokers: readonly string[];
  clientId?: string;
  /** A read gives up when the consumer makes no progress for this long. Default 30 s. */
  readIdleTimeoutMs?: number;
  now?: () => number;
}

export interface ReapplyProgress {
  readonly done: number;
  readonly total: number;
}

export interface Reapplied {
  readonly letter: DeadLetter;
  readonly to: TopicAddress | undefined;
}

/**
 * A region's dead-letter topic (`deadLetterTopic(region)`) on its own cluster: read to its end, and
 * re-apply dead letters to their source topics in the same region. Reads use a throwaway consumer
 * group that never commits; writes use an idempotent producer with `acks: -1`.
 */
export class KafkaDeadLetterQueue {
  readonly topic: string;
  private readonly kafka: Kafka;

  constructor(private readonly o: DeadLetterQueueOptions) {
    this.topic = deadLetterTopic(o.region);
    this.kafka = new Kafka({
      clientId: o.clientId ?? `meridian-dlq-${o.region}`,
      brokers: [...o.brokers],
      logLevel: logLevel.NOTHING,
    });
  }

  /** Every record up to the end offsets seen when called, indexed (markers applied). */
  async read(): Promise<DeadLetterIndex> {
    const admin = this.kafka.admin();
    await admin.connect();
    let offsets: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
    try {
      offsets = await admin.fetchTopicOffsets(this.topic);
    } catch (e) {
      throw new DeadLetterError(
        'DEAD_LETTER_NOT_FOUND',
        `cannot read ${this.topic} at ${this.o.brokers.join(',')}: ${(e as Error).message} ` +
          '(is the region up, and was it bootstrapped by `meridian local up`?)',
        { retriable: true, cause: e },
      );
    } finally {
      await admin.disconnect();
    }
    const end = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
    const pending = new Set(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => p.partition));
    const records: DeadLetterRecord[] = [];
    if (pending.size === 0) return indexDeadLetters(this.topic, records);

    const consumer = this.kafka.consumer({
      groupId: `meridian-dlq-read-${randomUUID()}`,
      maxWaitTimeInMs: 100,
    });
    let finish: () => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    const finished = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const idleMs = this.o.readIdleTimeoutMs ?? 30_000;
    let lastProgress = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > idleMs)
        fail(
          new DeadLetterError(
            'DEAD_LETTER_READ_TIMEOUT',
            `no progress reading ${this.topic} for ${idleMs} ms; partitions still unread: ${[...pending].join(', ')}`,
            { retriable: true },
          ),
        );
    }, 1_000);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          lastProgress = Date.now();
          const to = end.get(batch.partition) ?? 0n;
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= to) break;
            records.push({
              partition: batch.partition,
              offset: m.offset,
              key: m.key,
              value: m.value,
              headers: m.headers ?? {},
              timestamp: m.timestamp,
            });
          }
          // `lastOffset()` also covers control records that carry no message.
          if (BigInt(batch.lastOffset()) + 1n >= to) {
            pending.delete(batch.partition);
            if (pending.size === 0) finish();
          }
        },
      });
      await finished;
    } finally {
      clearInterval(watchdog);
      await consumer.disconnect();
    }
    return indexDeadLetters(this.topic, records);
  }

  /**
   * Re-produces `letters` in chunks: each chunk's records (`reapplyRecord`) are acknowledged before
   * its markers (`reappliedMarkerRecord`) are written, so a marker never names a record that was
   * not re-produced. A crash in between leaves records re-applied without a marker: a later run
   * re-applies them again, which the projector's dedup makes a no-op.
   */
  async reapply(
    letters: readonly DeadLetter[],
    opts: { chunkSize?: number; onProgress?: (p: ReapplyProgress) => void } = {},
  ): Promise<Reapplied[]> {
    const now = this.o.now ?? Date.now;
    const chunkSize = opts.chunkSize ?? 100;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    const out: Reapplied[] = [];
    try {
      for (let i = 0; i < letters.length; i += chunkSize) {
        const chunk = letters.slice(i, i + chunkSize);
        const records = chunk.map((l) => reapplyRecord(l, now()));
        const written = await producer.sendBatch({ acks: -1, topicMessages: topicMessages(records) });
        const to = offsetsOf(records, written);
        const done = chunk.map((letter, j) => ({ letter, to: to[j] }));
        await producer.send({
          topic: this.topic,
          acks: -1,
          messages: done.map((d) => message(reappliedMarkerRecord(d.letter, d.to, now()))),
        });
        out.push(...done);
        opts.onProgress?.({ done: out.length, total: letters.length });
      }
    } finally {
      await producer.disconnect();
    }
    return out;
  }
}

function message(r: OutgoingRecord): Message {
  return { key: r.key, value: r.value, partition: r.partition, headers: r.headers, timestamp: r.timestamp };
}

/** Groups by topic, keeping each partition's order (offsets are assigned in that order). */
function topicMessages(records: readonly OutgoingRecord[]): { topic: string; messages: Message[] }[] {
  const by = new Map<string, Message[]>();
  for (const r of records) by.set(r.topic, [...(by.get(r.topic) ?? []), message(r)]);
  return [...by].map(([topic, messages]) => ({ topic, messages }));
}

/** Where each record landed: the partition's base offset plus its rank among that partition's records. */
export function offsetsOf(
  records: readonly OutgoingRecord[],
  written: readonly RecordMetadata[],
): (TopicAddress | undefined)[] {
  const base = new Map(written.map((w) => [`${w.topicName}:${w.partition}`, w.baseOffset]));
  const rank = new Map<string, bigint>();
  return records.map((r) => {
    const k = `${r.topic}:${r.partition}`;
    const b = base.get(k);
    const n = rank.get(k) ?? 0n;
    rank.set(k, n + 1n);
    return b === undefined
      ? undefined
      : { topic: r.topic, partition: r.partition, offset: String(BigInt(b) + n) };
  });
}
