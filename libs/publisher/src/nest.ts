import {
  type ArgumentsHost,
  type BeforeApplicationShutdown,
  Catch,
  type DynamicModule,
  type ExceptionFilter,
  HttpStatus,
  Inject,
  Injectable,
  Module,
  type ModuleMetadata,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import type { Deserializer, IncomingEvent, Serializer } from '@nestjs/microservices';
import type { Response } from 'express';
import pino, { type Logger } from 'pino';
import {
  ContractError,
  type DecodeSource,
  EventSerde,
  type KafkaHeaders,
  type MeridianEvent,
} from '@meridian/contract';
import { PublisherError } from './errors';
import { EventPublisher, type PublisherOptions } from './publisher';

export const MERIDIAN_OPTIONS = Symbol('MERIDIAN_OPTIONS');

export type MeridianModuleOptions = PublisherOptions;

export interface MeridianModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
  useFactory: (...args: never[]) => MeridianModuleOptions | Promise<MeridianModuleOptions>;
}

/** Connects on start (without blocking it: a dead broker means 503s, not a service that won't boot)
 * and, on shutdown (SIGTERM with `app.enableShutdownHooks()`), refuses new writes, flushes, disconnects. */
@Injectable()
class PublisherLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log: Logger;
  constructor(
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(MERIDIAN_OPTIONS) options: MeridianModuleOptions,
  ) {
    // The service's own logger when it gave one, like the publisher itself.
    this.log = options.logger ?? pino({ name: 'meridian-publisher' });
  }
  onApplicationBootstrap(): void {
    this.publisher
      .connect()
      .catch((e: unknown) => this.log.warn({ err: (e as Error).message }, 'broker not reachable yet'))
      // From then on `health()` follows the broker, written to or not.
      .finally(() => this.publisher.startProbing());
  }
  async beforeApplicationShutdown(): Promise<void> {
    await this.publisher.close();
  }
}

function publisherProviders(options: Provider): Provider[] {
  return [
    options,
    {
      provide: EventPublisher,
      inject: [MERIDIAN_OPTIONS],
      useFactory: (o: MeridianModuleOptions) => new EventPublisher(o),
    },
    PublisherLifecycle,
  ];
}

/**
 * `MeridianModule.forRoot({ region, kafka, registry })` in a service's root module makes
 * `EventPublisher` injectable everywhere (the module is global).
 */
@Module({})
export class MeridianModule {
  static forRoot(options: MeridianModuleOptions): DynamicModule {
    return {
      module: MeridianModule,
      global: true,
      providers: publisherProviders({ provide: MERIDIAN_OPTIONS, useValue: options }),
      exports: [EventPublisher],
    };
  }

  /** With `@nestjs/config`: `forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory })`. */
  static forRootAsync(options: MeridianModuleAsyncOptions): DynamicModule {
    return {
      module: MeridianModule,
      global: true,
      imports: options.imports ?? [],
      providers: publisherProviders({
        provide: MERIDIAN_OPTIONS,
        inject: options.inject ?? [],
        useFactory: options.useFactory,
      }),
      exports: [EventPublisher],
    };
  }
}

/** The HTTP status of each publisher error code. */
export function publisherErrorStatus(e: PublisherError): number {
  switch (e.code) {
    case 'INVALID_EVENT':
      return HttpStatus.BAD_REQUEST;
    case 'OUTCOME_UNKNOWN':
    case 'REMOTE_UNCONFIRMED':
      return HttpStatus.GATEWAY_TIMEOUT;
    default:
      return HttpStatus.SERVICE_UNAVAILABLE;
  }
}

/**
 * HTTP mapping of publisher errors, never a 2xx for an event that was not stored:
 * NOT_STORED / SHUTTING_DOWN / NOT_WRITER → 503 with Retry-After (nothing stored: resend anywhere);
 * OUTCOME_UNKNOWN → 504 (it may be stored: resend with the same Idempotency-Key);
 * REMOTE_UNCONFIRMED → 504 (stored here, not yet confirmed in another region: `stored: 'local'`);
 * DURABILITY_UNAVAILABLE → 503 without Retry-After (no region can confirm a remote write);
 * CLOCK_SKEW → 503 without Retry-After (the writer's clock must be fixed first); INVALID_EVENT → 400.
 * The body says whether something may have been stored (`stored: false | 'unknown' | 'local'`).
 */
@Catch(PublisherError)
export class PublisherErrorFilter implements ExceptionFilter {
  catch(e: PublisherError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const status = publisherErrorStatus(e);
    if (e.retryAfterSeconds !== undefined && e.code !== 'OUTCOME_UNKNOWN' && e.code !== 'REMOTE_UNCONFIRMED')
      res.setHeader('Retry-After', String(e.retryAfterSeconds));
    res.status(status).json({
      statusCode: status,
      error: e.code,
      message: e.message,
      stored:
        e.code === 'OUTCOME_UNKNOWN'
          ? 'unknown'
          : e.code === 'REMOTE_UNCONFIRMED'
            ? 'local'
            : e.code === 'CLOCK_SKEW' && /^stored/.test(e.message)
              ? 'rejected'
              : false,
    });
  }
}

/**
 * For `ClientKafka` (`@nestjs/microservices`): `emit(topic, event)` with a Meridian event encodes it
 * in the Confluent wire format with the fingerprint headers, keyed by aggregate id. Use it only for
 * events you assembled yourself; `EventPublisher` fills the envelope and merge metadata for you.
 */
export class MeridianKafkaSerializer implements Serializer {
  constructor(private readonly serde: EventSerde) {}
  async serialize(value: unknown): Promise<{ key: string; value: Buffer; headers: Record<string, string> }> {
    const event = (
      value && typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value
    ) as MeridianEvent;
    const encoded = await this.serde.encode(event);
    return { key: encoded.key, value: encoded.value, headers: encoded.headers };
  }
}

/**
 * For `ServerKafka`: `@EventPattern('meridian.profile')` handlers receive the decoded, typed event.
 * An undecodable record is handed over as `{ error }` (a ContractError with its code) instead of
 * throwing, so the handler can dead-letter it and the consumer goes on.
 */
export class MeridianKafkaDeserializer implements Deserializer {
  constructor(private readonly serde: EventSerde) {}
  async deserialize(
    raw: { value: Buffer | null; headers?: KafkaHeaders; topic?: string },
    options?: { channel?: string },
  ): Promise<IncomingEvent> {
    const topic = options?.channel ?? raw.topic ?? '';
    const source: DecodeSource = { topic };
    try {
      return { pattern: topic, data: await this.serde.decode(raw.value, raw.headers, source) };
    } catch (e) {
      if (e instanceof ContractError) return { pattern: topic, data: { error: e, raw } };
      throw e;
    }
  }
}
