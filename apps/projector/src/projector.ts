import { Kafka, logLevel, type Producer } from 'kafkajs';
import pino, { type Logger } from 'pino';
import { Counter, type Gauge, type Registry } from 'prom-client';
import { ConfluentSchemaRegistry, EventSerde } from '@meridian/contract';
import { loadModels, type ModelSet } from '@meridian/domain';
import {
  EpochTracker,
  KafkaDeadLetterSink,
  KafkaProjectorRunner,
  PositionAheadOfLogError,
  ProjectionEngine,
} from '@meridian/projector';
import { Failpoints } from '@meridian/failpoints';
import {
  createProjectionStore,
  regionSchema,
  storeConfigFromUrl,
  type ProjectionStore,
  type StoreConfig,
} from '@meridian/store';
import { deadLetterTopic } from '@meridian/topology';
import type { ProjectorConfig } from './config';
import { FailpointStore, PROJECTOR_FAILPOINTS } from './failpoint-store';
import { counter, gauge } from '@meridian/metrics';
import { applySpans, type Tracer } from '@meridian/tracing';

export function storeConfig(c: ProjectorConfig): StoreConfig {
  return storeConfigFromUrl(c.STORE, c.PG_SCHEMA ?? regionSchema('meridian', c.REGION), 'STORE');
}

/** Wires a region's projector: store, serde, engine, dead-letter producer, Kafka runner. */
export class Projector {
  readonly store: ProjectionStore;
  readonly engine: ProjectionEngine;
  /** The aggregate types served, their models and schemas. */
  readonly models: ModelSet;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private runner: KafkaProjectorRunner | undefined;
  readonly log: Logger;
  /** Crash points around store commits (chaos and crash tests); nothing is armed by default. */
  readonly failpoints = new Failpoints(PROJECTOR_FAILPOINTS);
  private readonly applied: Counter;
  private readonly deadLettered: Counter;
  /** Writer epochs in arrival order: an event older than the newest epoch seen is surfaced. */
  readonly epochs = new EpochTracker();
  private readonly staleEpochs: Counter;
  private readonly positionAheadOfLog: Counter;
  private readonly lwwConflicts: Gauge;

  constructor(
    readonly config: ProjectorConfig,
    metrics: Registry,
    /** Default: the models of `config.MODELS`. */
    models?: ModelSet,
    /** Tracing on: apply spans for the records that carry a sampled `traceparent`. */
    private readonly tracer?: Tracer,
  ) {
    this.log = pino({ name: `projector-${config.REGION}` });
    this.models = models ?? loadModels(config.MODELS);
    this.failpoints.armFrom(config.FAILPOINTS);
    this.store = new FailpointStore(createProjectionStore(storeConfig(config)), this.failpoints);
    this.kafka = new Kafka({
      clientId: `meridian-projector-${config.REGION}`,
      brokers: config.KAFKA_BROKERS,
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const sink = new KafkaDeadLetterSink(this.producer, deadLetterTopic(config.REGION));
    this.engine = new ProjectionEngine({
      region: config.REGION,
      store: this.store,
      serde: new EventSerde({
        registry: new ConfluentSchemaRegistry({ url: config.REGISTRY_URL }),
        readers: this.models.schemas,
      }),
      models: this.models.models,
      deadLetter: sink,
      // Decided against each record's own timestamp, never this process's clock (no HLC is adopted).
      maxForwardSkewMs: config.MAX_FORWARD_SKEW_MS,
      onEvent: (event, source) => {
        const env = event.envelope;
        const seen = this.epochs.observe(Number(env.writerEpoch), env.originRegion);
        if (seen.stale) {
          this.staleEpochs.inc({ region: config.REGION, origin: env.originRegion });
          this.log.warn(
            {
              eventId: env.eventId,
              origin: env.originRegion,
              epoch: Number(env.writerEpoch),
              highest: seen.highest,
              ...source,
            },
            'event from a stale writer epoch (written by a fenced primary, or arriving late)',
          );
        }
      },
    });
    this.staleEpochs = counter(metrics, {
      name: 'meridian_projector_stale_epoch_events_total',
      help: 'Events whose writer epoch is older than one already seen (Phase A fencing).',
      labelNames: ['region', 'origin'],
    });
    // Set from the store's counter once at start, then moved by each commit's delta: no store
    // query per scrape.
    this.lwwConflicts = gauge(metrics, {
      name: 'meridian_projector_lww_conflicts',
      help: 'LWW registers holding concurrent writes the rule decided (GET /aggregates/:type/:id/conflicts lists them).',
      labelNames: ['region'],
    });
    this.positionAheadOfLog = counter(metrics, {
      name: 'meridian_projector_position_ahead_of_log_total',
      help: 'Partitions whose stored position is beyond the log end (topic recreated, data lost): the projector stopped.',
      labelNames: ['region', 'topic', 'partition'],
    });
    const byTopic = (name: string, help: string) =>
      counter(metrics, { name, help, labelNames: ['region', 'topic'] });
    this.applied = byTopic(
      'meridian_projector_applied_total',
      'Events applied to state (duplicates excluded).',
    );
    this.deadLettered = byTopic(
      'meridian_projector_dead_lettered_total',
      'Records sent to the dead-letter topic.',
    );
  }

  async start(): Promise<void> {
    await this.producer.connect();
    const positions = await this.engine.start();
    this.lwwConflicts.set({ region: this.config.REGION }, (await this.store.stats()).lwwConflicts);
    this.log.info({ positions: positions.length }, 'resuming from stored positions');
    this.runner = new KafkaProjectorRunner({
      region: this.config.REGION,
      kafka: this.kafka,
      aggregateTypes: this.models.aggregateTypes,
      engine: this.engine,
      groupId: this.config.GROUP_ID ?? `meridian-projector-${this.config.REGION}`,
      log: this.log,
      ...(this.tracer ? { observe: applySpans(this.tracer, this.config.REGION) } : {}),
      onFatal: (e) => this.fatal(e),
      onBatch: (b) => {
        this.applied.inc({ region: this.config.REGION, topic: b.topic }, b.applied);
        this.deadLettered.inc({ region: this.config.REGION, topic: b.topic }, b.deadLettered);
        if (b.lwwConflicts !== 0) this.lwwConflicts.inc({ region: this.config.REGION }, b.lwwConflicts);
      },
    });
    await this.runner.start();
  }

  /**
   * The consumer stopped for good. A position ahead of the log is counted and the exit is delayed by
   * FATAL_EXIT_DELAY_MS so the metric can be scraped (a restart would only stop again).
   */
  fatal(e: Error, exit: (code: number) => void = (code) => process.exit(code)): void {
    if (e instanceof PositionAheadOfLogError) {
      this.positionAheadOfLog.inc({
        region: this.config.REGION,
        topic: e.topic,
        partition: String(e.partition),
      });
      this.log.fatal(
        { err: e.message, code: e.code, exitInMs: this.config.FATAL_EXIT_DELAY_MS },
        'stored position ahead of the log; stopped, nothing skipped',
      );
      setTimeout(() => exit(1), this.config.FATAL_EXIT_DELAY_MS);
      return;
    }
    this.log.fatal(
      { err: e.message },
      'consumer stopped for good; exiting so the supervisor restarts the projector',
    );
    exit(1);
  }

  async stop(): Promise<void> {
    await this.runner?.stop();
    await this.producer.disconnect().catch(() => undefined);
    await this.store.close();
  }
}
