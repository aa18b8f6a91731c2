import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Counter, Histogram, type Registry } from 'prom-client';
import pino, { type Logger } from 'pino';
import {
  aggregateTopic,
  ConfluentSchemaRegistry,
  ContractError,
  EventSerde,
  type MeridianEvent,
  type SchemaRegistry,
} from '@meridian/contract';
import { type Document, HybridLogicalClock, type Mutation, type Operation } from '@meridian/merge';
import { PublisherError } from './errors';
import { ProducerBatcher } from './batcher';
import { type SnapshotSource, Writer } from './writer';

/** One step of a write: a mutation against the writer's view, and the event payload it becomes. */
export interface WriteStep {
  mutation: (view: Document, origin: string) => Mutation;
  payload: (op: Operation) => { readonly type: MeridianEvent['type'] } & Record<string, unknown>;
}

export interface PublishContext {
  correlationId?: string | null;
  causationId?: string | null;
}

export interface PublisherOptions {
  /** This process's region, e.g. `us-east`: stamped as `originRegion`. */
  region: string;
  kafka: {
    brokers: string[];
    clientId?: string;
    /** A dead broker must turn into an error quickly (HTTP 503), not an endless retry. */
    connectionTimeoutMs?: number;
    requestTimeoutMs?: number;
    retries?: number;
  };
  /** The region's registry: a Confluent-API base URL, or a SchemaRegistry port. */
  registry: { url: string } | SchemaRegistry;
  /** Register missing schemas on first use (development); CI/deploy should run `meridian schemas register`. */
  autoRegisterSchemas?: boolean;
  /**
   * Phase A: whether this process may write now, and its fencing epoch (stamped as `writerEpoch` on
   * every event). Checked before each write; a refusal is a NOT_WRITER error (HTTP 503) and nothing
   * is published. Without a gate every write is accepted at epoch 0 (Phase B).
   */
  writeGate?: () => WriteGate;
  /** The local projector's state, so writes see what other regions wrote. */
  snapshots?: SnapshotSource;
  lingerMs?: number;
  maxBatchMessages?: number;
  maxForwardSkewMs?: number;
  /** The writer's wall clock (default Date.now); tests skew it to check HLC merges. */
  wallClockMs?: () => number;
  logger?: Logger;
  metrics?: Registry;
}

export type WriteGate =
  { accepting: true; epoch: number } | { accepting: false; epoch: number; reason: string };

export interface PublishedEvent {
  eventId: string;
  type: string;
  topic: string;
  partition: number;
  offset?: string;
}

/**
 * Publishes domain events correctly by default: idempotent producer with acks=all, key = aggregate
 * id (per-aggregate order), the envelope filled in (event id, origin region, HLC, writer epoch,
 * correlation/causation ids, causal metadata), concurrent publishes coalesced into batches, and a
 * promise that resolves only once the broker acknowledged — otherwise a retriable NOT_STORED error.
 */
export class EventPublisher {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private batcher: ProducerBatcher | undefined;
  private connecting: Promise<ProducerBatcher> | undefined;
  private readonly serde: EventSerde;
  private readonly writer: Writer;
  private readonly clock: HybridLogicalClock;
  private readonly log: Logger;
  private closing = false;
  private readonly published: Counter | undefined;
  private readonly ackSeconds: Histogram | undefined;

  constructor(private readonly opts: PublisherOptions) {
    if (!/^[a-z][a-z0-9-]*$/.test(opts.region)) {
      throw new PublisherError(
        `region: "${opts.region}" is not a region name (a-z, 0-9, -)`,
        'INVALID_CONFIG',
        false,
      );
    }
    if (opts.kafka.brokers.length === 0) {
      throw new PublisherError('kafka.brokers: give at least one bootstrap address', 'INVALID_CONFIG', false);
    }
    this.log = opts.logger ?? pino({ name: 'meridian-publisher' });
    this.kafka = new Kafka({
      clientId: opts.kafka.clientId ?? `meridian-publisher-${opts.region}`,
      brokers: opts.kafka.brokers,
      connectionTimeout: opts.kafka.connectionTimeoutMs ?? 1000,
      requestTimeout: opts.kafka.requestTimeoutMs ?? 5000,
      // Client-level retries (metadata, connections) are bounded too, or a dead broker means
      // ~20 s of reconnect attempts before the caller hears anything.
      retry: { retries: opts.kafka.retries ?? 3, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: logLevel.NOTHING,
    });
    const registry =
      'url' in opts.registry ? new ConfluentSchemaRegistry({ url: opts.registry.url }) : opts.registry;
    this.serde = new EventSerde({ registry, autoRegister: opts.autoRegisterSchemas ?? false });
    this.clock = new HybridLogicalClock({
      nodeId: `${opts.region}.publisher`,
      ...(opts.maxForwardSkewMs !== undefined ? { maxForwardSkewMs: opts.maxForwardSkewMs } : {}),
      ...(opts.wallClockMs ? { wallClockMs: opts.wallClockMs } : {}),
    });
    this.writer = new Writer({
      region: opts.region,
      clock: this.clock,
      ...(opts.snapshots ? { snapshots: opts.snapshots } : {}),
    });
    if (opts.metrics) {
      // Reuse metrics already registered (several publishers in one process, e.g. tests).
      this.published =
        (opts.metrics.getSingleMetric('meridian_publish_events_total') as Counter | undefined) ??
        new Counter({
          name: 'meridian_publish_events_total',
          help: 'Events published, by aggregate type and outcome (stored | not_stored | invalid | refused).',
          labelNames: ['aggregate_type', 'outcome'],
          registers: [opts.metrics],
        });
      this.ackSeconds =
        (opts.metrics.getSingleMetric('meridian_publish_ack_seconds') as Histogram | undefined) ??
        new Histogram({
          name: 'meridian_publish_ack_seconds',
          help: 'Time from publish to broker acknowledgement (acks=all).',
          buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers: [opts.metrics],
        });
    }
  }

  private async ready(): Promise<ProducerBatcher> {
    if (this.batcher) return this.batcher;
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // Bounded: a dead broker must become a 503 within seconds (kafkajs warns this weakens
        // its EoS bookkeeping, so after any failure the producer is replaced, see `reset`).
        retry: { retries: this.opts.kafka.retries ?? 3, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      await producer.connect();
      this.producer = producer;
      this.batcher = new ProducerBatcher(producer, {
        lingerMs: this.opts.lingerMs ?? 2,
        maxBatchMessages: this.opts.maxBatchMessages ?? 500,
      });
      return this.batcher;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** After a failed send the idempotent producer's sequence state is suspect: start a new one. */
  private async reset(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    this.batcher = undefined;
    await p?.disconnect().catch(() => undefined);
  }

  /** Connects the producer (else the first publish does). Fails fast if the broker is down. */
  async connect(): Promise<void> {
    await this.ready();
  }

  /**
   * Publishes one write (one or more events of one aggregate, in order). Resolves when all are
   * acknowledged by the broker; rejects with PublisherError: NOT_STORED (retriable: nothing of this
   * write is acknowledged), INVALID_EVENT, SHUTTING_DOWN.
   */
  async publish(
    aggregateType: string,
    aggregateId: string,
    steps: readonly WriteStep[],
    ctx: PublishContext = {},
  ): Promise<PublishedEvent[]> {
    if (this.closing) throw new PublisherError('shutting down: not accepting writes', 'SHUTTING_DOWN', true);
    const gate = this.opts.writeGate?.() ?? { accepting: true as const, epoch: 0 };
    if (!gate.accepting) {
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'refused' }, steps.length);
      throw new PublisherError(
        `region ${this.opts.region} does not accept writes now (${gate.reason}, epoch ${gate.epoch})`,
        'NOT_WRITER',
        true,
      );
    }
    const started = process.hrtime.bigint();
    const prepared = await this.writer.prepare(
      aggregateType,
      aggregateId,
      steps.map((s) => s.mutation),
    );
    const topic = aggregateTopic(aggregateType);
    let events: MeridianEvent[];
    let messages: { key: string; value: Buffer; headers: Record<string, string> }[];
    try {
      events = prepared.ops.map((op, i) =>
        this.toEvent(aggregateType, aggregateId, op, steps[i]!, ctx, gate.epoch),
      );
      messages = await Promise.all(events.map((e) => this.serde.encode(e)));
    } catch (e) {
      prepared.abort();
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'invalid' }, steps.length);
      if (e instanceof ContractError && !e.retriable) {
        throw new PublisherError(`invalid event: ${e.message}`, 'INVALID_EVENT', false, { cause: e });
      }
      throw new PublisherError(`not stored: ${(e as Error).message}`, 'NOT_STORED', true, { cause: e });
    }
    try {
      const batcher = await this.ready();
      const meta = await batcher.send(topic, messages);
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'stored' }, events.length);
      this.ackSeconds?.observe(Number(process.hrtime.bigint() - started) / 1e9);
      const partition = meta[0]?.partition ?? -1;
      return events.map((e) => ({ eventId: e.envelope.eventId, type: e.type, topic, partition }));
    } catch (e) {
      prepared.abort();
      await this.reset();
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'not_stored' }, events.length);
      this.log.warn({ err: (e as Error).message, aggregateType, aggregateId }, 'publish not acknowledged');
      throw new PublisherError(
        `the broker did not acknowledge the write (${(e as Error).message}); nothing was stored, retry`,
        'NOT_STORED',
        true,
        { cause: e },
      );
    }
  }

  private toEvent(
    aggregateType: string,
    aggregateId: string,
    op: Operation,
    step: WriteStep,
    ctx: PublishContext,
    writerEpoch: number,
  ): MeridianEvent {
    return {
      ...step.payload(op),
      envelope: {
        eventId: op.eventId,
        aggregateType,
        aggregateId,
        originRegion: this.opts.region,
        hlc: op.hlc,
        writerEpoch,
        causationId: ctx.causationId ?? null,
        correlationId: ctx.correlationId ?? null,
        occurredAt: op.hlc.wallMs,
        seq: op.seq,
        observed: [...op.observed],
      },
    } as unknown as MeridianEvent;
  }

  /** Stops accepting writes, sends what is in flight, disconnects (graceful shutdown). */
  async close(): Promise<void> {
    this.closing = true;
    await this.batcher?.flush();
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.batcher = undefined;
  }
}
