import { type Consumer, Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import type { RemoteConfirmation, RemoteConfirmer } from '@meridian/publisher';
import { FormatError, offsetSyncsTopic, parseOffsetSync } from './mm2-formats';

export interface ConfirmTarget {
  /** A region that mirrors this one. */
  region: string;
  /** Its brokers as this region reaches them (through the WAN). */
  brokers: readonly string[];
}

export interface OffsetSyncConfirmerOptions {
  /** The region whose writes are confirmed (the flows' source). */
  region: string;
  targets: readonly ConfirmTarget[];
  /**
   * How many offset-syncs before the topic's end a (re)started reader begins at, so a write acked
   * just before the reader was positioned is still seen. Default 10 000 (seconds of traffic).
   */
  lookbackRecords?: number;
  /** How soon a target that cannot be read (down, topic not yet created) is tried again. Default 2 000. */
  retryMs?: number;
  logger?: Logger;
}

interface Waiter {
  offset: bigint;
  resolve: (r: RemoteConfirmation | undefined) => void;
  timer: NodeJS.Timeout;
}

interface TargetState {
  target: ConfirmTarget;
  /** Highest upstream offset MM2 says this target holds, per `topic\0partition`. */
  held: Map<string, bigint>;
  consumer?: Consumer;
  retry?: NodeJS.Timeout;
  positioned: boolean;
  lastSyncAtMs?: number;
  error?: string;
}

export interface ConfirmTargetStatus {
  region: string;
  /** The reader is positioned on the target's offset-syncs: confirmations can come from it. */
  reading: boolean;
  lastSyncAgoMs?: number;
  error?: string;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * `durability: 'remote'` from MirrorMaker 2's own word: in each region that mirrors this one, the
 * flow's offset-syncs (`mm2-offset-syncs.<this region>.internal`, `offset-syncs.topic.location=target`)
 * say "upstream offset u of topic/partition is at downstream offset d". MM2 writes a sync only from
 * the target producer's acknowledgement of the copied record (acks=all), and copies a partition in
 * order, so a sync with u ≥ o proves that region holds every record up to o. With
 * `offset.lag.max=0` a sync follows every copied record (coalesced per partition under load), so a
 * confirmation waits for the copy, not for MM2's next offset flush.
 *
 * One kafkajs consumer per target region, reading only that small topic across the WAN (nothing is
 * produced a second time, no event is read back). Confirmations arrive about one WAN crossing after
 * the copy is acknowledged.
 *
 * Limits: a source topic deleted and re-created under the same name restarts its offsets, and
 * syncs of its former life still in the lookback window could confirm too early.
 */
export class OffsetSyncConfirmer implements RemoteConfirmer {
  private readonly targets: TargetState[];
  private readonly waiting = new Map<string, Waiter[]>();
  private closed = false;
  private started = false;

  constructor(private readonly o: OffsetSyncConfirmerOptions) {
    this.targets = o.targets.map((target) => ({ target, held: new Map(), positioned: false }));
  }

  unavailable(): string | undefined {
    if (this.closed) return 'shutting down';
    if (this.targets.length === 0) return `no region mirrors ${this.o.region} in this topology`;
    return undefined;
  }

  /** Starts one reader per target; never throws (an unreachable target is retried). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const st of this.targets) void this.read(st);
  }

  status(): ConfirmTargetStatus[] {
    const now = Date.now();
    return this.targets.map((st) => ({
      region: st.target.region,
      reading: st.positioned,
      ...(st.lastSyncAtMs !== undefined ? { lastSyncAgoMs: now - st.lastSyncAtMs } : {}),
      ...(st.error !== undefined ? { error: st.error } : {}),
    }));
  }

  confirm(
    topic: string,
    partition: number,
    offset: bigint,
    timeoutMs: number,
  ): Promise<RemoteConfirmation | undefined> {
    const k = key(topic, partition);
    const now = this.heldBy(k, offset);
    if (now) return Promise.resolve({ region: now });
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const list = this.waiting.get(k) ?? [];
      const w: Waiter = {
        offset,
        resolve,
        timer: setTimeout(() => {
          const l = this.waiting.get(k);
          const i = l?.indexOf(w) ?? -1;
          if (l && i >= 0) l.splice(i, 1);
          if (l?.length === 0) this.waiting.delete(k);
          resolve(undefined);
        }, timeoutMs),
      };
      // Kept sorted by offset (writes mostly arrive in order: usually a push).
      let at = list.length;
      while (at > 0 && list[at - 1]!.offset > offset) at--;
      list.splice(at, 0, w);
      this.waiting.set(k, list);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const list of this.waiting.values())
      for (const w of list) {
        clearTimeout(w.timer);
        w.resolve(undefined);
      }
    this.waiting.clear();
    await Promise.all(
      this.targets.map(async (st) => {
        if (st.retry) clearTimeout(st.retry);
        await st.consumer?.disconnect().catch(() => undefined);
      }),
    );
  }

  /** An offset-sync of this region's flow into `target` (fed by the reader; tests call it). */
  observe(target: string, topic: string, partition: number, upstreamOffset: bigint): void {
    const st = this.targets.find((t) => t.target.region === target);
    if (st) this.observeIn(st, topic, partition, upstreamOffset);
  }

  /** The reader's path: one call per offset-sync record, its target already known. */
  private observeIn(st: TargetState, topic: string, partition: number, upstreamOffset: bigint): void {
    st.lastSyncAtMs = Date.now();
    const k = key(topic, partition);
    const prev = st.held.get(k);
    if (prev !== undefined && prev >= upstreamOffset) return;
    st.held.set(k, upstreamOffset);
    const list = this.waiting.get(k);
    if (!list) return;
    let n = 0;
    while (n < list.length && list[n]!.offset <= upstreamOffset) n++;
    for (const w of list.splice(0, n)) {
      clearTimeout(w.timer);
      w.resolve({ region: st.target.region });
    }
    if (list.length === 0) this.waiting.delete(k);
  }

  private heldBy(k: string, offset: bigint): string | undefined {
    for (const st of this.targets) if ((st.held.get(k) ?? -1n) >= offset) return st.target.region;
    return undefined;
  }

  private retryLater(st: TargetState, why: string): void {
    st.positioned = false;
    st.error = why;
    if (this.closed) return;
    this.o.logger?.warn(
      { target: st.target.region, err: why },
      'remote confirmations: target not readable yet',
    );
    st.retry = setTimeout(() => void this.read(st), this.o.retryMs ?? 2000);
    st.retry.unref();
  }

  private async read(st: TargetState): Promise<void> {
    if (this.closed) return;
    const topic = offsetSyncsTopic(this.o.region);
    await st.consumer?.disconnect().catch(() => undefined);
    st.consumer = undefined;
    const kafka = new Kafka({
      clientId: `meridian-remote-confirm-${this.o.region}`,
      brokers: [...st.target.brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 1000, initialRetryTime: 300, maxRetryTime: 3000 },
    });
    let startAt: bigint;
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      const p0 = offsets.find((p) => p.partition === 0);
      if (!p0) throw new Error(`${topic} has no partition 0`);
      const back = BigInt(this.o.lookbackRecords ?? 10_000);
      const [low, high] = [BigInt(p0.low), BigInt(p0.high)];
      startAt = high - back > low ? high - back : low;
    } catch (e) {
      this.retryLater(st, `${topic} in ${st.target.region}: ${(e as Error).message}`);
      return;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (this.closed) return;
    const consumer = kafka.consumer({
      groupId: `meridian-remote-confirm-${this.o.region}-${process.pid}-${Date.now()}`,
      maxWaitTimeInMs: 100,
      metadataMaxAge: 5000,
    });
    st.consumer = consumer;
    // A rejoin (kafkajs restarts the consumer itself after a retriable crash) resumes where this
    // reader got to, not at the lookback start again.
    let next = startAt;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      consumer.seek({ topic, partition: 0, offset: next.toString() });
      st.positioned = true;
      delete st.error;
    });
    consumer.on(consumer.events.CRASH, (e) => {
      // kafkajs restarts the consumer itself after a retriable crash (and GROUP_JOIN seeks again).
      if (!e.payload.restart && st.consumer === consumer)
        this.retryLater(st, `reader crashed: ${e.payload.error.message}`);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const last = batch.messages[batch.messages.length - 1];
          if (last) next = BigInt(last.offset) + 1n;
          for (const m of batch.messages) {
            if (!m.key || !m.value) continue;
            try {
              const s = parseOffsetSync(m.key, m.value);
              this.observeIn(st, s.topic, s.partition, s.upstreamOffset);
            } catch (e) {
              if (!(e instanceof FormatError)) throw e;
            }
          }
        },
      });
    } catch (e) {
      if (st.consumer === consumer) this.retryLater(st, (e as Error).message);
    }
  }
}
