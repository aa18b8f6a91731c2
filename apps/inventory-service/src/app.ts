import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { register } from 'prom-client';
import pino from 'pino';
import { listenHttp } from '@meridian/config';
import { metricsController } from '@meridian/metrics';
import { HttpSnapshotSource, MeridianModule, PublisherErrorFilter } from '@meridian/publisher';
import { ReadApiClient } from '@meridian/read-api';
import type { InventoryServiceConfig } from './config';
import { HealthController, InventoryController, READ_API } from './inventory.controller';
import { inventoryModel } from './model';

/** The inventory service: Meridian's publisher with the inventory model's schemas, and its routes. */
export async function createInventoryService(config: InventoryServiceConfig): Promise<INestApplication> {
  const log = pino({ name: `inventory-service-${config.REGION}` });
  @Module({
    imports: [
      MeridianModule.forRoot({
        region: config.REGION,
        kafka: { brokers: config.KAFKA_BROKERS, clientId: `inventory-service-${config.REGION}` },
        registry: { url: config.REGISTRY_URL },
        // The model's own schemas: the publisher encodes with them (reader = writer).
        schemas: inventoryModel.definition.schemas,
        autoRegisterSchemas: config.AUTO_REGISTER_SCHEMAS,
        snapshots: new HttpSnapshotSource(config.PROJECTOR_URL, (e) =>
          log.warn({ err: e.message }, 'projector unreachable'),
        ),
        metrics: register,
        logger: log,
      }),
    ],
    providers: [
      { provide: READ_API, useValue: new ReadApiClient(config.PROJECTOR_URL, { timeoutMs: 2_000 }) },
    ],
    controllers: [InventoryController, HealthController, metricsController(register)],
  })
  class InventoryServiceModule {}
  const app = await NestFactory.create(InventoryServiceModule, { logger: ['error', 'warn'] });
  app.useGlobalFilters(new PublisherErrorFilter());
  app.enableShutdownHooks();
  return app;
}

export async function startInventoryService(
  config: InventoryServiceConfig,
): Promise<{ app: INestApplication; url: string }> {
  const app = await createInventoryService(config);
  await listenHttp(app, config.PORT);
  return { app, url: await app.getUrl() };
}
