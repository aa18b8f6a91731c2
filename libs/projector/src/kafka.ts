import type { Consumer, EachBatchHandler, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { DLQ_HEADERS } from '@meridian/contract';
import { retry } from '@meridian/errors';
import { sourceTopicPattern } from '@meridian/topology';
import {
  type BatchOutcome,
  type DeadLetterSink,
  type Poison,
  type ProjectionEngine,
  type RawRecord,
  RetriableBatchError,
} from './engine';
import { PositionAheadOfLogError } from './errors';

/** Produces poison records, unchanged, to the region's dead-letter topic with the reason in headers. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}
  async send(poison: readonly Poison[]): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: poison.map((p) => {
        const original: Record<string, string | Buffer> = {};
        for (const [k, v] of Object.entries(p.record.headers ?? {})) {
          if (typeof v === 'string' || Buffer.isBuffer(v)) original[k] = v;
        }
        return {
          key: p.record.key,
          value: p.record.value,
          headers: {
            ...original,
            [DLQ_HEADERS.reason]: p.reason.slice(0, 1_000),
            [DLQ_HEADERS.code]: p.code,
            [DLQ_HEADERS.retriable]: String(p.retriable),
            [DLQ_HEADERS.topic]: p.topic,
            [DLQ_HEADERS.partition]: String(p.partition),
            [DLQ_HEADERS.offset]: p.record.offset,
          },
        };
      }),
    });
  }
}

/** What one consumer needs to drive one engine (the live projector's runner, and replay's). */
export interface BatchLoopOptions {
  engine: ProjectionEngine;
  log?: Logger;
  /**
   * Where an assigned partition starts (and, given, records before it are left out). Default: the
   * engine's stored position (none: kafkajs' own).
   */
  startOf?: (topic: string, partition: number) => string | undefined;
  /** Bounded mode (replay): a partition's records at or past this offset are left out. */
  endOf?: (topic: string, partition: number) => bigint | undefined;
  /** True once the loop should apply nothing more (stopping). */
  stopped?: () => boolean;
  /** After each applied batch. `reached`: the partition's next offset after it (control records too). */
  onBatch?: (b: {
    topic: string;
    partition: number;
    read: number;
    reached: bigint;
    out: BatchOutcome;
  }) => void;
  /**
   * A failure that retrying cannot mend. Return true when handled (the batch is left unresolved);
   * otherwise it is thrown to kafkajs, which retries the batch and then restarts the consumer.
   */
  onError?: (e: unknown, ctx: { pause: () => void }) => boolean;
  /**
   * Sees each batch as it arrives and returns what to call once it is applied (or failed), e.g. the
   * tracing spans of the records that carry a sampled `traceparent`. Absent: nothing is done.
   */
  observe?: BatchObserver;
}

/** Per batch on receipt; the returned callback gets the outcome (undefined: not applied, with why). */
export type BatchObserver = (
  topic: string,
  partition: number,
  records: readonly RawRecord[],
) => ((out: BatchOutcome | undefined, err?: unknown) => void) | undefined;

/**
 * The one way Meridian consumes into an engine: after every (re)join, seek each assigned
 * partition to where it starts; per batch, map the records, apply them (retriable failures retried
 * with jittered backoff, heartbeating), then move kafkajs' fetch position — nothing is committed
 * to the group, positions live in the store. Returns the `eachBatch` handler for `consumer.run`.
 */
export function engineBatchLoop(consumer: Consumer, o: BatchLoopOptions): EachBatchHandler {
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
      for (const partition of partitions) {
        const offset = o.startOf
          ? o.startOf(topic, partition)
          : o.engine.position(topic, partition)?.nextOffset;
        if (offset !== undefined) consumer.seek({ topic, partition, offset });
      }
    }
  });
  return async ({ batch, heartbeat, isRunning, isStale, resolveOffset, pause }) => {
    // The batch belongs to someone else once we stop or the group rebalances it away.
    const gone = () => !isRunning() || isStale() || o.stopped?.() === true;
    // Bounded mode: only [start, end) — a fetch may also hand over records before the seek offset.
    const start = o.startOf?.(batch.topic, batch.partition);
    const from = start === undefined ? undefined : BigInt(start);
    const to = o.endOf?.(batch.topic, batch.partition);
    const messages =
      from === undefined && to === undefined
        ? batch.messages
        : batch.messages.filter(
            (m) =>
              (from === undefined || BigInt(m.offset) >= from) && (to === undefined || BigInt(m.offset) < to),
          );
    const records: RawRecord[] = messages.map((m) => ({
      offset: m.offset,
      key: m.key,
      value: m.value,
      headers: m.headers ?? {},
      timestamp: m.timestamp,
    }));
    const observed = o.observe?.(batch.topic, batch.partition, records);
    let out: BatchOutcome | undefined;
    try {
      out = await retry(
        async () =>
          gone()
            ? undefined
            : o.engine.applyBatch(batch.topic, batch.partition, records, {
                logEndOffset: batch.highWatermark,
              }),
        {
          retriable: (e) => e instanceof RetriableBatchError,
          stop: gone,
          onRetry: async (e, attempt) => {
            o.log?.warn(
              { err: (e as Error).message, attempt, topic: batch.topic, partition: batch.partition },
              'batch will be retried',
            );
            await heartbeat();
          },
        },
      );
    } catch (e) {
      observed?.(undefined, e);
      if (e instanceof RetriableBatchError && gone()) return;
      if (o.onError?.(e, { pause }) === true) return;
      throw e;
    }
    observed?.(
      out,
      out === undefined ? new Error('the batch was handed back (stopping or rebalanced)') : undefined,
    );
    if (out === undefined) return;
    const last = batch.messages[batch.messages.length - 1];
    // `lastOffset()` also covers control records (transaction markers) that carry no message.
    const reached = BigInt(batch.lastOffset()) + 1n;
    o.onBatch?.({ topic: batch.topic, partition: batch.partition, read: records.length, reached, out });
    // Moves kafkajs' fetch position only; nothing is committed to the group.
    if (last) resolveOffset(last.offset);
    // kafkajs hands over prefetched batches back to back as microtasks: yield once per batch so
    // the read API (and /health) answer while a projector catches up.
    await new Promise((r) => setImmediate(r));
  };
}

export interface KafkaRunnerOptions {
  region: string;
  kafka: Kafka;
  aggregateTypes: readonly string[];
  engine: ProjectionEngine;
  groupId: string;
  log: Logger;
  /** Max records per poll (per partition batch the engine commits in one transaction). */
  maxBytesPerPartition?: number;
  /** New remote topics are found on metadata refresh. */
  metadataMaxAgeMs?: number;
  /**
   * Group session timeout. Default 10 s (kafkajs: 30 s): a projector restarted after a crash cannot
   * be assigned its partitions before the coordinator gives up on the dead member, so this bounds how
   * long the region's projection stands still after a crash. Not below the broker's 6 s minimum.
   */
  sessionTimeoutMs?: number;
  /**
   * The consumer stopped for good (a non-retriable error): the process should exit and be restarted.
   * A `PositionAheadOfLogError` stops the consumer before anything is skipped, then lands here.
   */
  onFatal?: (e: Error) => void;
  /** See `BatchLoopOptions.observe` (tracing). */
  observe?: BatchObserver;
  onBatch?: (o: {
    topic: string;
    partition: number;
    applied: number;
    deadLettered: number;
    duplicates: number;
    lwwConflicts: number;
  }) => void;
}

/**
 * Consumes with a group (for partition assignment only): offsets are never committed to Kafka;
 * after every (re)join the consumer seeks each assigned partition to the store's position.
 */
export class KafkaProjectorRunner {
  private consumer: Consumer | undefined;
  private stopped = false;

  constructor(private readonly o: KafkaRunnerOptions) {}

  async start(): Promise<void> {
    const consumer = this.o.kafka.consumer({
      groupId: this.o.groupId,
      maxBytesPerPartition: this.o.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxWaitTimeInMs: 50,
      metadataMaxAge: this.o.metadataMaxAgeMs ?? 5_000,
      sessionTimeout: this.o.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: Math.floor((this.o.sessionTimeoutMs ?? 10_000) / 10),
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const eachBatch = engineBatchLoop(consumer, {
      engine: this.o.engine,
      log: this.o.log,
      stopped: () => this.stopped,
      ...(this.o.observe ? { observe: this.o.observe } : {}),
      onBatch: (b) => this.o.onBatch?.({ topic: b.topic, partition: b.partition, ...b.out }),
      onError: (e, { pause }) => {
        if (!(e instanceof PositionAheadOfLogError)) return false;
        // Stop loudly, not skip: nothing is resolved, nothing more is fetched. Thrown instead,
        // kafkajs would retry the batch and then restart the consumer, never giving up.
        this.stopped = true;
        pause();
        this.o.log.error(
          { err: e.message, topic: e.topic, partition: e.partition },
          'stored position ahead of the log: consumer stopped',
        );
        this.o.onFatal?.(e);
        void consumer.stop().catch(() => undefined);
        return true;
      },
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.o.onFatal?.(e.payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [sourceTopicPattern(this.o.aggregateTypes)], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
