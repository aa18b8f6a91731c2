import type { Message, Producer, RecordMetadata } from 'kafkajs';

export interface BatcherOptions {
  /** How long the first message of a batch may wait for others. */
  lingerMs: number;
  /** A batch is sent at once when it holds this many messages. */
  maxBatchMessages: number;
}

interface Pending {
  topic: string;
  messages: Message[];
  resolve: (r: RecordMetadata[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Coalesces concurrent sends into one `sendBatch` call (one produce request per broker), so
 * throughput does not collapse to one round trip per HTTP request. kafkajs has no linger of its own
 * (every `send` is a request), hence this small piece.
 *
 * One batch is in flight at a time: messages arriving meanwhile form the next batch (sent as soon
 * as the previous is acknowledged, or after `lingerMs` when idle). That keeps the idempotent
 * producer's per-partition order without relying on kafkajs' handling of concurrent requests, and
 * batches grow by themselves under load. Each caller's promise settles with the outcome of the batch
 * its messages were in: all acknowledged, or all failed.
 */
export class ProducerBatcher {
  private queue: Pending[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly opts: BatcherOptions,
  ) {}

  send(topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, messages, resolve, reject });
      this.queued += messages.length;
      if (this.sending) return;
      if (this.queued >= this.opts.maxBatchMessages) this.start();
      else this.timer ??= setTimeout(() => this.start(), this.opts.lingerMs);
    });
  }

  private start(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.queue.length === 0) return;
    const batch: Pending[] = [];
    let count = 0;
    while (
      this.queue.length > 0 &&
      (count === 0 || count + this.queue[0]!.messages.length <= this.opts.maxBatchMessages)
    ) {
      const p = this.queue.shift()!;
      count += p.messages.length;
      batch.push(p);
    }
    this.queued -= count;
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic) ?? [];
      for (const m of p.messages) list.push(m);
      byTopic.set(p.topic, list);
    }
    this.sending = this.producer
      .sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
      .then(
        (meta) => batch.forEach((p) => p.resolve(meta.filter((m) => m.topicName === p.topic))),
        (e: unknown) => batch.forEach((p) => p.reject(e)),
      )
      .finally(() => {
        this.sending = undefined;
        if (this.queue.length > 0) this.start();
      });
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
