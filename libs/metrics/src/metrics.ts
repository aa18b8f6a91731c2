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

export function counter<L extends string>(
  registry: Registry,
  config: Omit<CounterConfiguration<L>, 'registers'>,
): Counter<L> {
  return (
    (registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
    new Counter({ ...config, registers: [registry] })
  );
}

export function gauge<L extends string>(
  registry: Registry,
  config: Omit<GaugeConfiguration<L>, 'registers'>,
): Gauge<L> {
  return (
    (registry.getSingleMetric(config.name) as Gauge<L> | undefined) ??
    new Gauge({ ...config, registers: [registry] })
  );
}

export function histogram<L extends string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<L>, 'registers'>,
): Histogram<L> {
  return (
    (registry.getSingleMetric(config.name) as Histogram<L> | undefined) ??
    new Histogram({ ...config, registers: [registry] })
  );
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
