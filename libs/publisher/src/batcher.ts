import type { EventProducer, OutgoingMessage, ProducedPartition, WritePlacement } from './producer';
import { SendFailure } from './producer';

export interface BatcherOptions {
  /** How long the first message of a batch may wait for others. */
  lingerMs: number;
  /** A batch is sent at once when it holds this many messages. */
  maxBatchMessages: number;
  /** Monotonic clock in ms (default `performance.now`), injectable for tests. */
  clock?: () => number;
}

/** Per-write conditions, checked again right before its batch is sent. */
export interface SendConditions {
  /**
   * Called synchronously just before the batch holding this write is handed to the producer: an
   * error refuses the write (nothing of it is sent), e.g. its writer session was retired by a
   * failure of an earlier write, or the region lost its admission.
   */
  check?: () => Error | undefined;
  /** Monotonic time by which the broker must have acknowledged; later counts as failure. */
  deadline?: () => number | undefined;
  /** Called synchronously when the write's batch failed, before any later batch can start. */
  onFailure?: (e: SendFailure) => void;
}

/** One write's acknowledgement: its topic's partitions in the batch, and where its own records are. */
export interface WriteAck {
  partitions: ProducedPartition[];
  /** Known when the producer reports which messages landed in which partition. */
  placement?: WritePlacement;
}

interface Pending {
  topic: string;
  messages: readonly OutgoingMessage[];
  cond: SendConditions;
  resolve: (r: WriteAck) => void;
  reject: (e: unknown) => void;
  /** Index of its first message in its topic's list of the batch. */
  start: number;
}

function sortedIndexOf(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = xs[mid]!;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Where the messages `start .. start + count - 1` of `topic`'s list landed, if the producer said. */
function placementOf(
  meta: readonly ProducedPartition[],
  topic: string,
  start: number,
  count: number,
): WritePlacement | undefined {
  for (const m of meta) {
    if (m.topic !== topic || !m.messageIndexes || m.baseOffset === undefined) continue;
    const at = sortedIndexOf(m.messageIndexes, start);
    if (at < 0) continue;
    // One write is one key: its messages are adjacent in the topic's list and in the partition's.
    const first = BigInt(m.baseOffset) + BigInt(at);
    return { topic, partition: m.partition, firstOffset: first, lastOffset: first + BigInt(count - 1) };
  }
  return undefined;
}

/** The batcher refused a write before sending it: nothing of it reached a broker. */
export class NotSentError extends Error {
  override readonly name = 'NotSentError';
}

/**
 * Coalesces concurrent sends into one produce call (one request per broker), so throughput does
 * not collapse to one round trip per HTTP request. kafkajs has no linger of its own (every `send` is
 * a request), hence this small piece.
 *
 * One batch is in flight at a time: messages arriving meanwhile form the next batch (sent as soon
 * as the previous is acknowledged, or after `lingerMs` when idle). That keeps the idempotent
 * producer's per-partition order without relying on kafkajs' handling of concurrent requests, and
 * batches grow by themselves under load. Each caller's promise settles with the outcome of the batch
 * its messages were in: all acknowledged, or all failed.
 *
 * A failed batch breaks the batcher: every write queued behind it is refused unsent (it may depend on
 * the failed one, e.g. a counter's running total), later sends are refused too, and the owner
 * replaces the batcher and its producer. Each write's `check` runs immediately before the send, so a
 * condition that lapsed while it waited (admission, a retired session) stops it there.
 */
export class ProducerBatcher {
  private queue: Pending[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private broken: SendFailure | undefined;
  private readonly clock: () => number;

  constructor(
    private readonly producer: EventProducer,
    private readonly opts: BatcherOptions,
  ) {
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** Whether a batch failed (the batcher refuses everything from then on). */
  get failed(): boolean {
    return this.broken !== undefined;
  }

  send(topic: string, messages: readonly OutgoingMessage[], cond: SendConditions = {}): Promise<WriteAck> {
    return new Promise((resolve, reject) => {
      if (this.broken) {
        reject(new NotSentError(`an earlier batch failed (${this.broken.message}); not sent`));
        return;
      }
      this.queue.push({ topic, messages, cond, resolve, reject, start: 0 });
      this.queued += messages.length;
      if (this.sending) return;
      if (this.queued >= this.opts.maxBatchMessages) this.start();
      else this.timer ??= setTimeout(() => this.start(), this.opts.lingerMs);
    });
  }

  private start(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.queue.length === 0 || this.broken) return;
    const batch: Pending[] = [];
    let count = 0;
    while (
      this.queue.length > 0 &&
      (count === 0 || count + this.queue[0]!.messages.length <= this.opts.maxBatchMessages)
    ) {
      const p = this.queue.shift()!;
      this.queued -= p.messages.length;
      const refused = p.cond.check?.();
      if (refused) {
        p.reject(refused);
        continue;
      }
      count += p.messages.length;
      batch.push(p);
    }
    if (batch.length === 0) {
      if (this.queue.length > 0) this.start();
      return;
    }
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic) ?? [];
      p.start = list.length;
      for (const m of p.messages) list.push(m);
      byTopic.set(p.topic, list);
    }
    let deadline: number | undefined;
    for (const p of batch) {
      const d = p.cond.deadline?.();
      if (d !== undefined) deadline = deadline === undefined ? d : Math.min(deadline, d);
    }
    this.sending = this.sendWithin(
      [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      deadline,
    )
      .then(
        (meta) =>
          batch.forEach((p) => {
            const placement = placementOf(meta, p.topic, p.start, p.messages.length);
            p.resolve({
              partitions: meta.filter((m) => m.topic === p.topic),
              ...(placement ? { placement } : {}),
            });
          }),
        (e: unknown) => {
          const failure =
            e instanceof SendFailure
              ? e
              : new SendFailure((e as Error).message, !(e instanceof NotSentError), { cause: e });
          this.broken = failure;
          // Synchronously, before anything else can be sent: retire what depended on this batch.
          for (const p of batch) p.cond.onFailure?.(failure);
          for (const p of batch) p.reject(failure);
          const behind = this.queue;
          this.queue = [];
          this.queued = 0;
          for (const p of behind) {
            p.cond.onFailure?.(failure);
            p.reject(new NotSentError(`the batch ahead of it failed (${failure.message}); not sent`));
          }
        },
      )
      .finally(() => {
        this.sending = undefined;
        if (this.queue.length > 0) this.start();
      });
  }

  /** The send, bounded by the earliest deadline of its writes: past it the outcome is unknown. */
  private async sendWithin(
    batch: { topic: string; messages: OutgoingMessage[] }[],
    deadline: number | undefined,
  ): Promise<ProducedPartition[]> {
    if (deadline === undefined) return this.producer.send(batch);
    const remaining = deadline - this.clock();
    if (remaining <= 0) throw new NotSentError('the admission deadline passed before the send');
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SendFailure(
              `no acknowledgement within the admission deadline (${Math.round(remaining)} ms)`,
              true,
            ),
          ),
        remaining,
      );
    });
    try {
      const meta = await Promise.race([this.producer.send(batch), expired]);
      // Acknowledged, but perhaps appended after admission ended: not a success to report.
      if (this.clock() > deadline)
        throw new SendFailure(
          'acknowledged after the admission deadline (it may have landed after it)',
          true,
        );
      return meta;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends everything queued and waits until the last batch settled (graceful shutdown). */
  async flush(): Promise<void> {
    for (;;) {
      if (!this.sending) this.start();
      const s = this.sending;
      if (!s) return;
      await s;
    }
  }
}
