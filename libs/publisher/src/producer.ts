/**
 * The producer port of the publisher: what the batcher needs from a Kafka client, and nothing of
 * kafkajs. The adapter (`KafkaEventProducer`) decides for every failure whether the broker can have
 * stored any of it; the publisher's answers (NOT_STORED vs OUTCOME_UNKNOWN) rest on that decision,
 * so it must err on the side of "unknown".
 */
export interface OutgoingMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

/** One partition's acknowledgement. */
export interface ProducedPartition {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the first record acknowledged here. */
  readonly baseOffset?: string;
  /** The broker's append time, when the topic uses LogAppendTime (else undefined). */
  readonly logAppendTimeMs?: number;
  /**
   * Which messages of the topic's list (by index, in order) landed in this partition, from
   * `baseOffset` on: the adapter knows, since it chose the partitions. Absent when unknown.
   */
  readonly messageIndexes?: readonly number[];
}

/** Where one write's records landed (from the batcher, for the publisher). */
export interface WritePlacement {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
}

export interface EventProducer {
  connect(): Promise<void>;
  /** Sends with acks=all; rejects with SendFailure. */
  send(batch: readonly TopicMessages[]): Promise<ProducedPartition[]>;
  disconnect(): Promise<void>;
  /** A cheap round trip to the cluster (metadata): rejects if no broker answers within `timeoutMs`. */
  probe(timeoutMs: number): Promise<void>;
}

/**
 * A failed send. `possiblyStored: false` only when no produce request of the batch can have reached
 * a broker (connection refused, no connection, error before the request was written).
 */
export class SendFailure extends Error {
  override readonly name = 'SendFailure';
  constructor(
    message: string,
    readonly possiblyStored: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
