import {
  type Admin,
  Kafka,
  logLevel,
  type LogEntry,
  type Message,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { type EventProducer, type ProducedPartition, SendFailure, type TopicMessages } from './producer';

export interface KafkaProducerOptions {
  brokers: string[];
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
}

/**
 * Failures that happen before a produce request can have been written to a broker's socket: the
 * connection was never established, or there was none to write to. Everything else (a request
 * timeout, a reset or closed connection, a broker error response for part of a batch, anything
 * unrecognised) may follow a request the broker already appended, so it counts as "possibly stored".
 */
const BEFORE_SEND =
  /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Connection timeout|Not connected|[Ff]ailed to connect|without metadata/;

function messagesOf(e: unknown): string[] {
  const out: string[] = [];
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; depth++) {
    out.push(c.message);
    c = (c as { cause?: unknown }).cause ?? (c as { originalError?: unknown }).originalError;
  }
  return out;
}

/** Messages that say a request may have been written (and appended) before the failure. */
const MAYBE_SENT = /timed out|ECONNRESET|EPIPE|closed by the server|socket hang up|Broken pipe/i;

/** Whether an error (and its causes) certainly comes from before any produce request was written. */
export function isBeforeSend(e: unknown): boolean {
  const msgs = messagesOf(e);
  return msgs.some((m) => BEFORE_SEND.test(m)) && !msgs.some((m) => MAYBE_SENT.test(m));
}

/** Collects what kafkajs reports while a send is in flight (its retries hide earlier causes). */
class SendWatch {
  possiblyStored = false;
  readonly seen: string[] = [];
  note(message: string): void {
    this.seen.push(message);
    if (!BEFORE_SEND.test(message) || MAYBE_SENT.test(message)) this.possiblyStored = true;
  }
}

/**
 * One kafkajs idempotent producer (acks=all, one request in flight) behind the `EventProducer` port.
 * kafkajs retries a failed produce itself (bounded here, so a dead broker is an error within
 * seconds), and its final error names only the last attempt's cause: an attempt that timed out after
 * the broker stored the batch can be followed by "connection refused". So every warning or error
 * kafkajs logs while a send is in flight is inspected too, and one that is not a before-the-send
 * failure makes the outcome unknown.
 */
export class KafkaEventProducer implements EventProducer {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly watches = new Set<SendWatch>();
  private admin: Admin | undefined;
  /** The partition kafkajs chose for each message object (its partitioner is wrapped to tell). */
  private readonly chosen = new WeakMap<Message, number>();

  constructor(opts: KafkaProducerOptions) {
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      connectionTimeout: opts.connectionTimeoutMs,
      requestTimeout: opts.requestTimeoutMs,
      retry: { retries: opts.retries, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        if (entry.level > logLevel.WARN || this.watches.size === 0) return;
        const m = entry.log.message;
        // Emitted at construction, not a send outcome.
        if (m.includes('Limiting retries for the idempotent producer')) return;
        for (const w of this.watches) w.note(`${entry.namespace}: ${m}`);
      },
    });
    // kafkajs's default (Java-compatible murmur2), wrapped so each send can say where each of its
    // messages landed: kafkajs groups a topic's messages per partition in order, so message k of
    // partition p sits at p's base offset plus k's rank among p's messages.
    const chosen = this.chosen;
    this.producer = this.kafka.producer({
      createPartitioner: () => {
        const inner = Partitioners.DefaultPartitioner();
        return (args) => {
          const partition = inner(args);
          chosen.set(args.message, partition);
          return partition;
        };
      },
      idempotent: true,
      maxInFlightRequests: 1,
      // Bounded: a dead broker must become a 503 within seconds. kafkajs warns this weakens its EoS
      // bookkeeping, so after any failure the publisher discards this producer for a new one.
      retry: { retries: opts.retries, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }

  async connect(): Promise<void> {
    try {
      await this.producer.connect();
    } catch (e) {
      throw new SendFailure(`cannot connect to the broker: ${(e as Error).message}`, false, { cause: e });
    }
  }

  async send(batch: readonly TopicMessages[]): Promise<ProducedPartition[]> {
    const watch = new SendWatch();
    this.watches.add(watch);
    try {
      const topicMessages = batch.map((t) => ({
        topic: t.topic,
        messages: t.messages.map((m): Message => ({ key: m.key, value: m.value, headers: m.headers })),
      }));
      const meta = await this.producer.sendBatch({ acks: -1, topicMessages });
      const indexes = new Map<string, number[]>();
      for (const t of topicMessages)
        t.messages.forEach((m, i) => {
          const p = this.chosen.get(m);
          if (p === undefined) return;
          const k = `${t.topic}\u0000${p}`;
          const list = indexes.get(k);
          if (list) list.push(i);
          else indexes.set(k, [i]);
        });
      return meta.map((m) => {
        const messageIndexes = indexes.get(`${m.topicName}\u0000${m.partition}`);
        return {
          topic: m.topicName,
          partition: m.partition,
          ...(m.baseOffset !== undefined ? { baseOffset: m.baseOffset } : {}),
          ...(m.logAppendTime !== undefined && m.logAppendTime !== '-1'
            ? { logAppendTimeMs: Number(m.logAppendTime) }
            : {}),
          ...(messageIndexes ? { messageIndexes } : {}),
        };
      });
    } catch (e) {
      const possiblyStored = watch.possiblyStored || !isBeforeSend(e);
      const detail = watch.seen.length > 0 ? ` (during the send: ${watch.seen.slice(-3).join('; ')})` : '';
      throw new SendFailure(`${(e as Error).message}${detail}`, possiblyStored, { cause: e });
    } finally {
      this.watches.delete(watch);
    }
  }

  async probe(timeoutMs: number): Promise<void> {
    this.admin ??= this.kafka.admin({ retry: { retries: 0 } });
    const admin = this.admin;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          await admin.connect();
          await admin.describeCluster();
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no broker answered within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
