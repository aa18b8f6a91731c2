// Long on purpose: one write path (admit, prepare, encode, send, classify the outcome) whose error cases must be read in order.
import { Counter, Histogram, type Registry } from 'prom-client';
import { aggregateIdProblem, aggregateTypeProblem, type WriteStep } from '@meridian/domain';
import pino, { type Logger } from 'pino';
import { aggregateTopic } from '@meridian/topology';
import {
  ConfluentSchemaRegistry,
  ContractError,
  EventSerde,
  type MeridianEvent,
  type ReaderSchema,
  type SchemaRegistry,
} from '@meridian/contract';
import { HybridLogicalClock, type Operation } from '@meridian/merge';
import { PublisherError } from './errors';
import { NotSentError, ProducerBatcher, type WriteAck } from './batcher';
import { DURABILITIES, type Durability, type RemoteConfirmer, type RemoteTargetStatus } from './remote';
import { KafkaEventProducer } from './kafka-producer';
import { FailpointProducer } from './failpoint-producer';
import type { Failpoints } from '@meridian/failpoints';
import { type EventProducer, SendFailure } from './producer';
import { IDEMPOTENCY_KEY, type PreparedWrite, type SnapshotSource, Writer } from './writer';
import { counter, histogram } from '@meridian/metrics';
import { type Context, endSpan, startPublishSpan, type Tracer } from '@meridian/tracing';

export type { WriteStep } from '@meridian/domain';

export interface PublishContext {
  correlationId?: string | null;
  causationId?: string | null;
  /**
   * The client's key for this write (1-128 of A-Z a-z 0-9 . _ : -). The same key on the same
   * aggregate is applied once, whichever region or process stores it and however often.
   */
  idempotencyKey?: string;
  /**
   * `local` (default): resolved once this region's broker stored the write (acks=all). `remote`:
   * resolved only once another region's copy holds it too (RPO 0 for this write); a write stored here
   * but not confirmed elsewhere within `remoteTimeoutMs` rejects with REMOTE_UNCONFIRMED.
   */
  durability?: Durability;
  /**
   * With `tracer`: the trace this write belongs to (e.g. its HTTP request's context, from
   * `requestContext(req)`); its spans are children of it. Without one a write starts a new trace.
   */
  trace?: Context;
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
   * The writer schemas, when they are not this build's generated ones: a service built against a
   * newer version of an event's schema (schema-evolution tests). Default: the generated schemas.
   */
  schemas?: readonly ReaderSchema[];
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
  /**
   * The projectors' forward-skew bound (their MAX_FORWARD_SKEW_MS): an event whose HLC is further
   * ahead of the broker's append time is dead-lettered by every projector, so the publisher refuses
   * it (CLOCK_SKEW) rather than answering 2xx. Default 60 000.
   */
  maxForwardSkewMs?: number;
  /** Tests: replaces the kafkajs producer (the port's adapter). */
  producerFactory?: () => EventProducer;
  /**
   * Confirms remote durability (`durability: 'remote'`); without it such writes are refused. The
   * publisher closes it on `close()`.
   */
  remote?: RemoteConfirmer;
  /** How long a remote write waits for another region's copy before REMOTE_UNCONFIRMED. Default 5 000. */
  remoteTimeoutMs?: number;
  /**
   * Failpoints around each send (`PUBLISHER_FAILPOINTS`): `publish.send.before` (a `throw` there is
   * a failure before anything reached the broker) and `publish.send.after` (a `throw` there is a
   * batch the broker stored whose acknowledgement was lost). Nothing happens unless armed.
   */
  failpoints?: Failpoints;
  /** The writer's wall clock (default Date.now); tests skew it to check HLC merges. */
  wallClockMs?: () => number;
  logger?: Logger;
  metrics?: Registry;
  /**
   * Tracing on: each write is a `publish` span (a child of the active one, e.g. the HTTP request)
   * whose `traceparent` travels in the records' headers to every region's projector. Absent: no
   * span, no header, nothing on the hot path.
   */
  tracer?: Tracer;
}

export type WriteGate =
  | {
      accepting: true;
      epoch: number;
      /**
       * Monotonic time (`performance.now()`) at which this admission ends by itself (lease). A write
       * must be acknowledged before it; otherwise its outcome is unknown, never a success.
       */
      deadlineMs?: number;
    }
  | { accepting: false; epoch: number; reason: string };

export interface PublishedEvent {
  eventId: string;
  type: string;
  topic: string;
  partition: number;
  offset?: string;
  /** The write's idempotency key was known: this is the original write's identity, nothing new was published. */
  replayed?: true;
  /** `durability: 'remote'`: the other region found to hold it. */
  confirmedIn?: string;
}

/** What the publisher knows about whether it can store a write now (for `/health`). */
export interface PublisherHealth {
  /** A producer is connected and its last send (or connection attempt) did not fail. */
  ready: boolean;
  /** When the readiness was last established or lost (ms ago), and why it was lost. */
  checkedAgoMs: number;
  error?: string;
  /** Estimated forward skew of this writer's clock over the broker's (ms), when known. */
  clockSkewMs?: number;
  /** With a remote confirmer: the regions that can confirm `durability: 'remote'` writes. */
  remote?: readonly RemoteTargetStatus[];
}

/**
 * Publishes domain events correctly by default: idempotent producer with acks=all, key = aggregate
 * id (per-aggregate order), the envelope filled in (event id, origin region, HLC, writer epoch,
 * correlation/causation ids, causal metadata), concurrent publishes coalesced into batches, and a
 * promise that resolves only once the broker acknowledged. A failure says what may have happened:
 * NOT_STORED (certainly nothing stored: resend), OUTCOME_UNKNOWN (resend with the same key),
 * NOT_WRITER / SHUTTING_DOWN / CLOCK_SKEW (refused before the send).
 */
export class EventPublisher {
  private producer: EventProducer | undefined;
  private batcher: ProducerBatcher | undefined;
  private connecting: Promise<ProducerBatcher> | undefined;
  private readonly serde: EventSerde;
  private readonly writer: Writer;
  private readonly clock: HybridLogicalClock;
  private readonly wallMs: () => number;
  private readonly skewBoundMs: number;
  private readonly log: Logger;
  private closing = false;
  private readonly published: Counter | undefined;
  private readonly ackSeconds: Histogram | undefined;
  private readonly remoteOutcomes: Counter | undefined;
  private readonly remoteSeconds: Histogram | undefined;
  private readyState: { ready: boolean; at: number; error?: string } = { ready: false, at: Date.now() };
  /** Broker clock minus this writer's wall clock (ms), from the last LogAppendTime acknowledgement. */
  private brokerOffsetMs: number | undefined;
  /** Keyed writes of this process: in flight, and the last successes (to answer a replay with). */
  private readonly keyed = new Map<string, Promise<PublishedEvent[]>>();
  private readonly keyedDone = new Map<string, PublishedEvent[]>();
  private readonly createProducer: () => EventProducer;
  private probing: Promise<void> | undefined;
  private probeFailures = 0;
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PublisherOptions) {
    if (!/^[a-z][a-z0-9-]*$/.test(opts.region)) {
      throw new PublisherError(
        'INVALID_CONFIG',
        `region: "${opts.region}" is not a region name (a-z, 0-9, -)`,
      );
    }
    if (opts.kafka.brokers.length === 0) {
      throw new PublisherError('INVALID_CONFIG', 'kafka.brokers: give at least one bootstrap address');
    }
    this.log = opts.logger ?? pino({ name: 'meridian-publisher' });
    const make =
      opts.producerFactory ??
      (() =>
        new KafkaEventProducer({
          clientId: opts.kafka.clientId ?? `meridian-publisher-${opts.region}`,
          brokers: opts.kafka.brokers,
          connectionTimeoutMs: opts.kafka.connectionTimeoutMs ?? 1000,
          requestTimeoutMs: opts.kafka.requestTimeoutMs ?? 5000,
          // Client-level retries (metadata, connections) are bounded too, or a dead broker means
          // ~20 s of reconnect attempts before the caller hears anything.
          retries: opts.kafka.retries ?? 3,
        }));
    const failpoints = opts.failpoints;
    this.createProducer = failpoints ? () => new FailpointProducer(make(), failpoints) : make;
    const registry =
      'url' in opts.registry ? new ConfluentSchemaRegistry({ url: opts.registry.url }) : opts.registry;
    this.serde = new EventSerde({
      registry,
      autoRegister: opts.autoRegisterSchemas ?? false,
      ...(opts.schemas ? { readers: opts.schemas } : {}),
    });
    this.wallMs = opts.wallClockMs ?? Date.now;
    this.skewBoundMs = opts.maxForwardSkewMs ?? 60_000;
    this.clock = new HybridLogicalClock({
      nodeId: `${opts.region}.publisher`,
      ...(opts.maxForwardSkewMs !== undefined ? { maxForwardSkewMs: opts.maxForwardSkewMs } : {}),
      wallClockMs: this.wallMs,
    });
    this.writer = new Writer({
      region: opts.region,
      clock: this.clock,
      ...(opts.snapshots ? { snapshots: opts.snapshots } : {}),
    });
    if (opts.metrics) {
      // Reuse metrics already registered (several publishers in one process, e.g. tests).
      this.published = counter(opts.metrics, {
        name: 'meridian_publish_events_total',
        help: 'Events published, by aggregate type and outcome (stored | not_stored | outcome_unknown | invalid | refused | replayed).',
        labelNames: ['aggregate_type', 'outcome'],
      });
      this.ackSeconds = histogram(opts.metrics, {
        name: 'meridian_publish_ack_seconds',
        help: 'Time from publish to broker acknowledgement (acks=all).',
        buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      });
      this.remoteOutcomes = counter(opts.metrics, {
        name: 'meridian_publish_remote_total',
        help: 'Remote-durability writes after their local acknowledgement, by outcome (confirmed | unconfirmed).',
        labelNames: ['aggregate_type', 'outcome'],
      });
      this.remoteSeconds = histogram(opts.metrics, {
        name: 'meridian_publish_remote_confirm_seconds',
        help: 'Time from the local acknowledgement to another region holding the write.',
        buckets: [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5, 10],
      });
    }
  }

  private markReady(ready: boolean, error?: string): void {
    if (this.readyState.ready !== ready || error !== this.readyState.error)
      this.readyState = { ready, at: Date.now(), ...(error !== undefined ? { error } : {}) };
  }

  private async ready(): Promise<ProducerBatcher> {
    if (this.batcher && !this.batcher.failed) return this.batcher;
    this.connecting ??= (async () => {
      if (this.batcher?.failed) await this.reset();
      const producer = this.createProducer();
      try {
        await producer.connect();
      } catch (e) {
        await producer.disconnect();
        this.markReady(false, (e as Error).message);
        throw e;
      }
      this.producer = producer;
      this.batcher = new ProducerBatcher(producer, {
        lingerMs: this.opts.lingerMs ?? 2,
        maxBatchMessages: this.opts.maxBatchMessages ?? 500,
      });
      this.markReady(true);
      return this.batcher;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** After a failed send the idempotent producer's sequence state is suspect: start a new one. */
  private async reset(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    this.batcher = undefined;
    await p?.disconnect();
  }

  /** Connects the producer (else the first publish does). Fails fast if the broker is down. */
  async connect(): Promise<void> {
    await this.ready();
  }

  /**
   * Whether a write can be stored now, as far as the publisher knows: a producer is connected and
   * nothing failed since. When not ready, `probe()` tries to connect again.
   */
  health(): PublisherHealth {
    const skew = this.estimatedSkewMs();
    return {
      ready: this.readyState.ready && !this.closing && !(this.batcher?.failed ?? false),
      checkedAgoMs: Date.now() - this.readyState.at,
      ...(this.readyState.error !== undefined ? { error: this.readyState.error } : {}),
      ...(skew !== undefined ? { clockSkewMs: skew } : {}),
      ...(this.opts.remote?.status ? { remote: this.opts.remote.status() } : {}),
    };
  }

  /**
   * Finds out whether a write could be stored now: re-establishes the producer if it is not ready,
   * else asks the cluster for metadata (a dead broker is noticed without waiting for a write).
   * Never throws.
   */
  async probe(timeoutMs = 1000): Promise<PublisherHealth> {
    if (this.closing) return this.health();
    if (!this.producer || this.batcher?.failed) {
      // No usable producer: connecting is the probe.
      await this.ready().catch(() => undefined);
      return this.health();
    }
    const producer = this.producer;
    try {
      await producer?.probe(timeoutMs);
      this.probeFailures = 0;
      if (producer === this.producer) this.markReady(true);
    } catch (e) {
      // Two in a row, so one slow answer on a loaded machine does not turn writes away. The producer
      // is kept: if the broker is really gone the next send fails before anything is sent
      // (NOT_STORED) and replaces it; if it was a hiccup, nothing in flight is disturbed.
      if (producer === this.producer && ++this.probeFailures >= 2)
        this.markReady(false, `broker unreachable: ${(e as Error).message}`);
    }
    return this.health();
  }

  /** Probes every `intervalMs` until `close()`, so `health()` follows the broker (for `/health`). */
  startProbing(intervalMs = 500): void {
    if (this.probing || this.closing) return;
    const loop = async (): Promise<void> => {
      while (!this.closing) {
        await this.probe(Math.max(200, intervalMs * 2));
        await new Promise<void>((r) => {
          this.probeTimer = setTimeout(r, intervalMs);
          this.probeTimer.unref();
        });
      }
    };
    this.probing = loop();
  }

  /** Forward skew of this writer's wall clock over the broker's, estimated from the last ack. */
  private estimatedSkewMs(): number | undefined {
    return this.brokerOffsetMs === undefined ? undefined : -this.brokerOffsetMs;
  }

  /**
   * Publishes one write (one or more events of one aggregate, in order). Resolves when all are
   * acknowledged by the broker (before the admission deadline, in Phase A); rejects with
   * PublisherError: NOT_STORED (nothing of it can be in a log: retry is safe), OUTCOME_UNKNOWN (it may
   * be stored: retry with the same idempotency key), NOT_WRITER, CLOCK_SKEW, INVALID_EVENT,
   * SHUTTING_DOWN. With `ctx.idempotencyKey`, a write whose key is already known resolves with the
   * original's identities (`replayed: true`) and publishes nothing.
   */
  async publish(
    aggregateType: string,
    aggregateId: string,
    steps: readonly WriteStep[],
    ctx: PublishContext = {},
  ): Promise<PublishedEvent[]> {
    const keyProblem = aggregateTypeProblem(aggregateType) ?? aggregateIdProblem(aggregateId);
    if (keyProblem !== undefined) throw new PublisherError('INVALID_EVENT', `invalid event: ${keyProblem}`);
    const durability = ctx.durability ?? 'local';
    if (!DURABILITIES.includes(durability))
      throw new PublisherError(
        'INVALID_EVENT',
        `durability: must be local or remote, not "${String(durability)}"`,
      );
    if (durability === 'local') return this.publishLocal(aggregateType, aggregateId, steps, ctx);
    const remote = this.opts.remote;
    const why = remote ? remote.unavailable() : 'this publisher has no remote confirmer configured';
    if (!remote || why !== undefined) {
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'refused' }, steps.length);
      throw new PublisherError(
        'DURABILITY_UNAVAILABLE',
        `durability remote is not available in ${this.opts.region} (${why}); nothing was stored`,
      );
    }
    const events = await this.publishLocal(aggregateType, aggregateId, steps, ctx);
    return this.confirmRemote(remote, aggregateType, events);
  }

  /**
   * Waits until another region holds the write's last record (so all of it: one partition, in
   * order). A write stored here but not confirmed in time is REMOTE_UNCONFIRMED: stored, not a
   * success; with its Idempotency-Key a retry publishes nothing and waits again.
   */
  private async confirmRemote(
    remote: RemoteConfirmer,
    aggregateType: string,
    events: PublishedEvent[],
  ): Promise<PublishedEvent[]> {
    const last = events[events.length - 1];
    const timeoutMs = this.opts.remoteTimeoutMs ?? 5000;
    const where =
      last && last.offset !== undefined ? `${last.topic}[${last.partition}]@${last.offset}` : undefined;
    if (!last || last.offset === undefined || last.partition < 0) {
      this.remoteOutcomes?.inc({ aggregate_type: aggregateType, outcome: 'unconfirmed' });
      throw new PublisherError(
        'REMOTE_UNCONFIRMED',
        `the write is stored in ${this.opts.region}, but where in its log is not known here (a duplicate of an earlier write found by its Idempotency-Key in the projection), so no other region can be confirmed to hold it`,
        { retriable: true },
      );
    }
    const started = performance.now();
    const confirmed = await remote.confirm(last.topic, last.partition, BigInt(last.offset), timeoutMs);
    if (!confirmed) {
      this.remoteOutcomes?.inc({ aggregate_type: aggregateType, outcome: 'unconfirmed' });
      throw new PublisherError(
        'REMOTE_UNCONFIRMED',
        `stored in ${this.opts.region} (${where}) but no other region confirmed holding it within ${timeoutMs} ms; it may still get there. Retry with the same Idempotency-Key to wait again (nothing is published twice)`,
        { retriable: true },
      );
    }
    this.remoteOutcomes?.inc({ aggregate_type: aggregateType, outcome: 'confirmed' });
    this.remoteSeconds?.observe((performance.now() - started) / 1000);
    return events.map((e) => ({ ...e, confirmedIn: confirmed.region }));
  }

  private async publishLocal(
    aggregateType: string,
    aggregateId: string,
    steps: readonly WriteStep[],
    ctx: PublishContext,
  ): Promise<PublishedEvent[]> {
    const key = ctx.idempotencyKey;
    if (key === undefined) return this.publishOnce(aggregateType, aggregateId, steps, ctx);
    if (!IDEMPOTENCY_KEY.test(key))
      throw new PublisherError('INVALID_EVENT', 'idempotencyKey: must be 1-128 of A-Z a-z 0-9 . _ : -');
    const k = `${aggregateType}/${aggregateId}/${key}`;
    const done = this.keyedDone.get(k);
    if (done) {
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'replayed' }, steps.length);
      return done.map((e) => ({ ...e, replayed: true as const }));
    }
    // The same key concurrently in this process: one attempt, every caller gets its outcome.
    const inflight = this.keyed.get(k);
    if (inflight) return inflight.then((r) => r.map((e) => ({ ...e, replayed: true as const })));
    const attempt = this.publishOnce(aggregateType, aggregateId, steps, ctx).finally(() =>
      this.keyed.delete(k),
    );
    this.keyed.set(k, attempt);
    const result = await attempt;
    if (!result.some((e) => e.replayed)) {
      this.keyedDone.set(k, result);
      while (this.keyedDone.size > 10_000) this.keyedDone.delete(this.keyedDone.keys().next().value!);
    }
    return result;
  }

  private refuseUnlessAdmitted(aggregateType: string, steps: number): { epoch: number } {
    if (this.closing)
      throw new PublisherError('SHUTTING_DOWN', 'shutting down: not accepting writes', { retriable: true });
    const gate = this.opts.writeGate?.() ?? { accepting: true as const, epoch: 0 };
    if (!gate.accepting) {
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'refused' }, steps);
      throw new PublisherError(
        'NOT_WRITER',
        `region ${this.opts.region} does not accept writes now (${gate.reason}, epoch ${gate.epoch}); nothing was stored`,
        { retriable: true },
      );
    }
    return gate;
  }

  private async publishOnce(
    aggregateType: string,
    aggregateId: string,
    steps: readonly WriteStep[],
    ctx: PublishContext,
  ): Promise<PublishedEvent[]> {
    const { epoch } = this.refuseUnlessAdmitted(aggregateType, steps.length);
    const started = process.hrtime.bigint();
    const viewNeeded = steps.some((s) => s.reads !== 'own');
    // Traced: the preparation (session, snapshot of the aggregate when a step reads others' state)
    // is its own span, so the request's time is attributed.
    const preparing = this.opts.tracer?.startSpan(
      `prepare ${aggregateType}`,
      { attributes: { 'meridian.view_needed': viewNeeded } },
      ctx.trace,
    );
    let prepared: PreparedWrite;
    try {
      prepared = await this.writer.prepare(
        aggregateType,
        aggregateId,
        steps.map((s) => s.mutation),
        {
          ...(ctx.idempotencyKey !== undefined ? { idempotencyKey: ctx.idempotencyKey } : {}),
          viewNeeded,
        },
      );
    } catch (e) {
      if (preparing) endSpan(preparing, e);
      throw e;
    }
    if (preparing) endSpan(preparing, undefined, { 'meridian.duplicate': prepared.duplicate ? 1 : 0 });
    const topic = aggregateTopic(aggregateType);
    if (prepared.duplicate) {
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'replayed' }, steps.length);
      return prepared.ops.map((op, i) => ({
        eventId: op.eventId,
        type: steps[i]!.payload(op).type,
        topic,
        partition: -1,
        replayed: true as const,
      }));
    }
    let events: MeridianEvent[];
    let messages: { key: string; value: Buffer; headers: Record<string, string> }[];
    try {
      this.checkSkew(prepared);
      events = prepared.ops.map((op, i) =>
        this.toEvent(aggregateType, aggregateId, op, steps[i]!, ctx, epoch),
      );
      messages = await Promise.all(events.map((e) => this.serde.encode(e)));
    } catch (e) {
      prepared.abort();
      if (e instanceof PublisherError) throw e;
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'invalid' }, steps.length);
      if (e instanceof ContractError && !e.retriable) {
        throw new PublisherError('INVALID_EVENT', `invalid event: ${e.message}`, { cause: e });
      }
      throw new PublisherError('NOT_STORED', `not stored: ${(e as Error).message}`, {
        retriable: true,
        cause: e,
      });
    }
    const traced = this.opts.tracer
      ? startPublishSpan(
          this.opts.tracer,
          `publish ${topic}`,
          {
            'meridian.region': this.opts.region,
            'meridian.aggregate_type': aggregateType,
            'meridian.aggregate_id': aggregateId,
            'meridian.events': events.length,
            'messaging.system': 'kafka',
            'messaging.destination.name': topic,
          },
          ctx.trace,
        )
      : undefined;
    if (traced && traced.headers['traceparent'] !== undefined)
      for (const m of messages) Object.assign(m.headers, traced.headers);
    const sentAtWall = this.wallMs();
    let ack: WriteAck;
    try {
      const batcher = await this.ready();
      ack = await batcher.send(topic, messages, {
        // Right before the send: the session must still be live (no earlier write it depends on
        // failed) and the region must still be admitted at the epoch stamped on the events.
        check: () => {
          if (!prepared.live())
            return new NotSentError('an earlier write of this aggregate failed; this one depends on it');
          if (this.closing) return new NotSentError('shutting down');
          const g = this.opts.writeGate?.();
          if (g && (!g.accepting || g.epoch !== epoch))
            return new NotSentError(
              `admission ended before the send (${g.accepting ? `epoch now ${g.epoch}` : g.reason}, stamped epoch ${epoch})`,
            );
          return undefined;
        },
        deadline: () => {
          const g = this.opts.writeGate?.();
          return g?.accepting ? g.deadlineMs : undefined;
        },
        onFailure: () => prepared.abort(),
      });
    } catch (e) {
      prepared.abort();
      const err = this.failure(e, aggregateType, aggregateId, events.length);
      if (traced) endSpan(traced.span, err, { 'meridian.outcome': err.code });
      throw err;
    }
    if (traced)
      endSpan(traced.span, undefined, {
        'meridian.outcome': 'stored',
        ...(ack.placement
          ? {
              'messaging.destination.partition.id': String(ack.placement.partition),
              'messaging.kafka.offset': String(ack.placement.firstOffset),
            }
          : {}),
      });
    const ackedAtWall = this.wallMs();
    this.markReady(true);
    const placement = ack.placement;
    const part =
      (placement && ack.partitions.find((m) => m.partition === placement.partition)) ?? ack.partitions[0];
    if (part?.logAppendTimeMs !== undefined) {
      this.brokerOffsetMs = part.logAppendTimeMs - Math.round((sentAtWall + ackedAtWall) / 2);
      const ahead = Math.max(...events.map((ev) => ev.envelope.hlc.wallMs)) - part.logAppendTimeMs;
      if (ahead > this.skewBoundMs) {
        this.published?.inc({ aggregate_type: aggregateType, outcome: 'refused' }, events.length);
        throw new PublisherError(
          'CLOCK_SKEW',
          `stored, but this writer's clock is ${ahead} ms ahead of the broker's (bound ${this.skewBoundMs} ms): every projector dead-letters it (CLOCK_SKEW); fix the clock`,
          { storedButRejected: true },
        );
      }
    }
    this.published?.inc({ aggregate_type: aggregateType, outcome: 'stored' }, events.length);
    this.ackSeconds?.observe(Number(process.hrtime.bigint() - started) / 1e9);
    // Each event's own offset when the producer said where the write landed; else (a producer
    // that does not report it) the partition is unknown and no offset is claimed.
    return events.map((e, i) => ({
      eventId: e.envelope.eventId,
      type: e.type,
      topic,
      partition: placement?.partition ?? -1,
      ...(placement ? { offset: String(placement.firstOffset + BigInt(i)) } : {}),
    }));
  }

  /**
   * Refuses at the source an event the projectors would dead-letter: its HLC ahead of the broker's
   * clock by more than the bound (less a margin for the estimate), known once an ack carried the
   * broker's append time.
   */
  private checkSkew(prepared: PreparedWrite): void {
    if (this.brokerOffsetMs === undefined) return;
    const brokerNow = this.wallMs() + this.brokerOffsetMs;
    const ahead = Math.max(...prepared.ops.map((op) => op.hlc.wallMs)) - brokerNow;
    const marginMs = Math.min(1000, this.skewBoundMs / 10);
    if (ahead > this.skewBoundMs - marginMs) {
      throw new PublisherError(
        'CLOCK_SKEW',
        `this writer's clock is ${ahead} ms ahead of the broker's, past the projectors' bound of ${this.skewBoundMs} ms (less a ${marginMs} ms margin); nothing was stored: fix the clock (NTP)`,
      );
    }
  }

  /** Maps a failed send to what the client may assume. */
  private failure(e: unknown, aggregateType: string, aggregateId: string, n: number): PublisherError {
    const possiblyStored = e instanceof SendFailure ? e.possiblyStored : !(e instanceof NotSentError);
    const msg = (e as Error).message;
    if (e instanceof SendFailure) {
      this.markReady(false, msg);
      // The producer's sequence state is suspect after any failed send: replace it.
      if (this.batcher?.failed) void this.reset();
    }
    if (!(e instanceof NotSentError) && !(e instanceof SendFailure)) this.markReady(false, msg);
    this.log.warn({ err: msg, aggregateType, aggregateId, possiblyStored }, 'publish not acknowledged');
    if (possiblyStored) {
      this.published?.inc({ aggregate_type: aggregateType, outcome: 'outcome_unknown' }, n);
      return new PublisherError(
        'OUTCOME_UNKNOWN',
        `the outcome is unknown (${msg}): the write may or may not be stored; retry with the same Idempotency-Key`,
        { retriable: true, cause: e },
      );
    }
    this.published?.inc({ aggregate_type: aggregateType, outcome: 'not_stored' }, n);
    return new PublisherError('NOT_STORED', `nothing was stored (${msg}); retry`, {
      retriable: true,
      cause: e,
    });
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
    clearTimeout(this.probeTimer);
    await this.batcher?.flush();
    await this.producer?.disconnect();
    this.producer = undefined;
    this.batcher = undefined;
    await this.opts.remote?.close();
  }
}
