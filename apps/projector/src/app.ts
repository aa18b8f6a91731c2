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

/** On SIGTERM (shutdown hooks) or app.close(): stop consuming, close the store. */
@Injectable()
class ProjectorLifecycle implements OnApplicationShutdown {
  constructor(@Inject(Projector) private readonly projector: Projector) {}
  async onApplicationShutdown(): Promise<void> {
    await this.projector.stop();
  }
}

/** The projector process: consumes and applies in the background, serves the read API over HTTP. */
export async function createProjectorApp(
  config: ProjectorConfig,
): Promise<{ app: INestApplication; projector: Projector }> {
  const projector = new Projector(config, register);
  @Module({
    controllers: [
      ReadController,
      metricsController(register),
      ...(config.FAILPOINTS_HTTP ? [FailpointsController] : []),
    ],
    providers: [
      { provide: Projector, useValue: projector },
      { provide: Failpoints, useValue: projector.failpoints },
      ProjectorLifecycle,
    ],
  })
  class ProjectorModule {}
  const app = await NestFactory.create(ProjectorModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await projector.start();
  return { app, projector };
}
