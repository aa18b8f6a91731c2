import { Controller, Get, Res, type Type } from '@nestjs/common';
import type { Response } from 'express';
import {
  Counter,
  Gauge,
  Histogram,
  register,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Registry,
} from 'prom-client';

/*
 * Get-or-create: a registry refuses a second metric of one name, and several objects of one kind
 * (two publishers, a restarted runner) share a process registry. The first definition wins.
 */

type Made<M> = new (config: never) => M;

function getOrCreate<M>(registry: Registry, Kind: Made<M>, config: { name: string }): M {
  return (
    (registry.getSingleMetric(config.name) as M | undefined) ??
    new Kind({ ...config, registers: [registry] } as never)
  );
}

export function counter<L extends string>(
  registry: Registry,
  config: Omit<CounterConfiguration<L>, 'registers'>,
): Counter<L> {
  return getOrCreate(registry, Counter<L>, config);
}

export function gauge<L extends string>(
  registry: Registry,
  config: Omit<GaugeConfiguration<L>, 'registers'>,
): Gauge<L> {
  return getOrCreate(registry, Gauge<L>, config);
}

export function histogram<L extends string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<L>, 'registers'>,
): Histogram<L> {
  return getOrCreate(registry, Histogram<L>, config);
}

/** The `GET /metrics` endpoint (Prometheus text format) of a service, over `registry`. */
export function metricsController(registry: Registry = register): Type {
  @Controller()
  class MetricsController {
    @Get('metrics')
    async metrics(@Res() res: Response): Promise<void> {
      res.setHeader('Content-Type', registry.contentType);
      res.send(await registry.metrics());
    }
  }
  return MetricsController;
}
