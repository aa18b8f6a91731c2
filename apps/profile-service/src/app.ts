import { BadRequestException, type INestApplication, Module, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ValidationError } from 'class-validator';
import { register } from 'prom-client';
import pino from 'pino';
import {
  HttpSnapshotSource,
  MeridianModule,
  PublisherErrorFilter,
  type SnapshotSource,
} from '@meridian/publisher';
import type { ProfileServiceConfig } from './config';
import { OpsController, ProfileController } from './profile.controller';
import { WRITE_ROLE, WriteRole } from './write-role';

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m}`);
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

export async function createProfileService(
  config: ProfileServiceConfig,
  opts: { snapshots?: SnapshotSource; logger?: false } = {},
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
  @Module({
    providers: [{ provide: WRITE_ROLE, useValue: role }],
    imports: [
      MeridianModule.forRoot({
        writeGate: role.gate,
        region: config.REGION,
        kafka: { brokers: config.KAFKA_BROKERS },
        registry: { url: config.REGISTRY_URL },
        autoRegisterSchemas: config.AUTO_REGISTER_SCHEMAS,
        metrics: register,
        ...(snapshots ? { snapshots } : {}),
      }),
    ],
    controllers: [ProfileController, OpsController],
  })
  class ProfileServiceModule {}

  const app = await NestFactory.create(ProfileServiceModule, { logger: opts.logger ?? ['error', 'warn'] });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // 400 whose message names each offending field.
      exceptionFactory: (errors) => new BadRequestException(flatten(errors)),
    }),
  );
  app.useGlobalFilters(new PublisherErrorFilter());
  app.enableShutdownHooks();
  return app;
}

/** Creates the service and listens on `config.PORT` (0: a free port); returns the app and its URL. */
export async function startProfileService(
  config: ProfileServiceConfig,
  opts: { snapshots?: SnapshotSource; logger?: false } = {},
): Promise<{ app: INestApplication; url: string }> {
  const app = await createProfileService(config, opts);
  await app.listen(config.PORT, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
