import {
  type INestApplication,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { register } from 'prom-client';
import type { ProjectorConfig } from './config';
import { Projector } from './projector';
import { Failpoints, FailpointsController } from '@meridian/failpoints';
import { ReadController } from './read.controller';
import { metricsController } from '@meridian/metrics';
import type { Tracing } from '@meridian/tracing';

const TRACING = Symbol('TRACING');

/** On SIGTERM (shutdown hooks) or app.close(): stop consuming, close the store. */
@Injectable()
class ProjectorLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(Projector) private readonly projector: Projector,
    @Inject(TRACING) private readonly tracing: Tracing | null,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.projector.stop();
    // The last spans (the final batches' applies) are sent before the process goes.
    await this.tracing?.shutdown();
  }
}

/** The projector process: consumes and applies in the background, serves the read API over HTTP. */
export async function createProjectorApp(
  config: ProjectorConfig,
  tracing?: Tracing,
): Promise<{ app: INestApplication; projector: Projector }> {
  const projector = new Projector(config, register, undefined, tracing?.tracer);
  @Module({
    controllers: [
      ReadController,
      metricsController(register),
      ...(config.FAILPOINTS_HTTP ? [FailpointsController] : []),
    ],
    providers: [
      { provide: Projector, useValue: projector },
      { provide: Failpoints, useValue: projector.failpoints },
      { provide: TRACING, useValue: tracing ?? null },
      ProjectorLifecycle,
    ],
  })
  class ProjectorModule {}
  const app = await NestFactory.create(ProjectorModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await projector.start();
  return { app, projector };
}
