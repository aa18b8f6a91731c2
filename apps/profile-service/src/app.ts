import { type INestApplication, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { register } from 'prom-client';
import pino from 'pino';
import { Failpoints, FailpointsController } from '@meridian/failpoints';
import {
  HttpSnapshotSource,
  MeridianModule,
  PUBLISHER_FAILPOINTS,
  PublisherErrorFilter,
  type EventProducer,
  type SnapshotSource,
} from '@meridian/publisher';
import type { ProfileServiceConfig } from './config';
import { configureInput } from './input';
import { OpsController, ProfileController } from './profile.controller';
import { WRITE_ROLE, WriteRole } from './write-role';
import { metricsController } from '@meridian/metrics';
import { listenHttp } from '@meridian/config';
import { OffsetSyncConfirmer } from '@meridian/replication';
import { httpTracing, type Tracing } from '@meridian/tracing';

export interface ProfileServiceOptions {
  snapshots?: SnapshotSource;
  logger?: false;
  /** Replaces the kafkajs producer (the publisher's port), e.g. the bench's instant acknowledger. */
  producerFactory?: () => EventProducer;
  /** Tracing on: each write's publish span continues the request's trace into the records. */
  tracing?: Tracing;
}

export async function createProfileService(
  config: ProfileServiceConfig,
  opts: ProfileServiceOptions = {},
): Promise<INestApplication> {
  const log = pino({ name: `profile-service-${config.REGION}` });
  const snapshots =
    opts.snapshots ??
    (config.PROJECTOR_URL
      ? new HttpSnapshotSource(config.PROJECTOR_URL, (e) =>
          log.warn({ err: e.message }, 'projector unreachable'),
        )
      : undefined);
  const role = await WriteRole.create(config, log, register);
  // Armed only by tests (environment or the HTTP endpoint of the local topology); else inert.
  const failpoints = new Failpoints(PUBLISHER_FAILPOINTS);
  failpoints.armFrom(config.PUBLISHER_FAILPOINTS);
  // `Meridian-Durability: remote`: confirmed from MirrorMaker 2's offset-syncs in the regions that
  // mirror this one (the publisher closes it).
  const targets = config.REMOTE_CONFIRM_TARGETS ?? [];
  const remote = new OffsetSyncConfirmer({ region: config.REGION, targets, logger: log });
  remote.start();
  // After the publisher flushed (shutdown hooks run in reverse order of registration): the last spans go out.
  const tracing = opts.tracing;
  class TracingShutdown implements OnApplicationShutdown {
    async onApplicationShutdown(): Promise<void> {
      await tracing?.shutdown();
    }
  }
  @Module({
    providers: [
      TracingShutdown,
      { provide: WRITE_ROLE, useValue: role },
      { provide: Failpoints, useValue: failpoints },
    ],
    imports: [
      MeridianModule.forRoot({
        writeGate: role.gate,
        region: config.REGION,
        kafka: { brokers: config.KAFKA_BROKERS },
        registry: { url: config.REGISTRY_URL },
        autoRegisterSchemas: config.AUTO_REGISTER_SCHEMAS,
        metrics: register,
        failpoints,
        remote,
        ...(config.REMOTE_CONFIRM_TIMEOUT_MS !== undefined
          ? { remoteTimeoutMs: config.REMOTE_CONFIRM_TIMEOUT_MS }
          : {}),
        ...(snapshots ? { snapshots } : {}),
        ...(opts.producerFactory ? { producerFactory: opts.producerFactory } : {}),
        ...(opts.tracing ? { tracer: opts.tracing.tracer } : {}),
      }),
    ],
    controllers: [
      ProfileController,
      OpsController,
      metricsController(register),
      ...(config.FAILPOINTS_HTTP ? [FailpointsController] : []),
    ],
  })
  class ProfileServiceModule {}

  // Bodies are read by `configureInput` (strict UTF-8 JSON, 415/413/400 before any controller).
  const app = await NestFactory.create<NestExpressApplication>(ProfileServiceModule, {
    bodyParser: false,
    logger: opts.logger ?? ['error', 'warn'],
  });
  // Tracing on: a server span per request (continuing the caller's traceparent), handed to the publish.
  if (opts.tracing) app.use(httpTracing(opts.tracing.tracer));
  configureInput(app);
  app.useGlobalFilters(new PublisherErrorFilter());
  app.enableShutdownHooks();
  return app;
}

/**
 * Creates the service and listens on `config.PORT` (0: a free port) with the server settings of
 * every service (`listenHttp`): `main.ts` and the tests start it the same way.
 */
export async function startProfileService(
  config: ProfileServiceConfig,
  opts: ProfileServiceOptions = {},
): Promise<{ app: INestApplication; url: string }> {
  const app = await createProfileService(config, opts);
  await listenHttp(app, config.PORT);
  return { app, url: await app.getUrl() };
}
