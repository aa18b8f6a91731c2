import {
  Controller,
  Get,
  Inject,
  type INestApplication,
  Module,
  NotFoundException,
  Param,
  Put,
  Body,
  BadRequestException,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import { aggregateTopic } from '@meridian/topology';
import { loadModels } from '@meridian/domain';
import { registerMonitorMetrics, ReplicationMonitor } from '@meridian/replication';
import type { Topology } from '@meridian/topology';
import { metricsController } from '@meridian/metrics';
import { SlaProber } from '@meridian/sla';
import { DashboardSource, dashboardController, FailoverRunner } from '@meridian/dashboard';
import { Quorum, quorumNamespace } from '@meridian/quorum';
import pino from 'pino';

@Controller()
class RpoController {
  constructor(@Inject(ReplicationMonitor) private readonly monitor: ReplicationMonitor) {}

  /** Every flow's RPO (records, ms), projection lag, replication latency, staleness and target. */
  @Get('rpo')
  rpo() {
    return {
      atMs: Date.now(),
      flows: this.monitor.flows(),
      staleEpochEvents: this.monitor.staleEpochEvents(),
    };
  }

  /**
   * The aggregates (and tenants, when events carry one) with acknowledged events not yet in
   * `target`, per flow into it, with their newest unmirrored event time; answered from the tail
   * index, so it also answers for a source region that is down.
   */
  @Get('at-risk/:target')
  atRisk(@Param('target') target: string) {
    if (!this.monitor.regionNames().includes(target))
      throw new NotFoundException(
        `target: no region ${target} (regions: ${this.monitor.regionNames().join(', ')})`,
      );
    return { atMs: Date.now(), target, flows: this.monitor.atRisk(target) };
  }

  @Get('health')
  health() {
    return { status: 'ok' };
  }
}

/** `PUT /sla/probes` `{ratePerSecond}`: a drill's probes on and off (0). Mounted for local topologies only. */
function slaProbeController(prober: SlaProber) {
  @Controller('sla')
  class SlaProbeController {
    @Get('probes')
    get() {
      return { ratePerSecond: prober.ratePerSecond };
    }

    @Put('probes')
    set(@Body() body: { ratePerSecond?: unknown }) {
      const r = Number(body?.ratePerSecond);
      if (typeof body?.ratePerSecond !== 'number' || !(r >= 0 && r <= 50))
        throw new BadRequestException('ratePerSecond: a number of probes per region and second, 0 to 50');
      prober.setRate(r);
      return { ratePerSecond: prober.ratePerSecond };
    }
  }
  return SlaProbeController;
}

export function projectorUrls(t: Topology): Record<string, string> {
  return Object.fromEntries(
    t.regions.flatMap((r) => (r.projector ? [[r.name, `http://127.0.0.1:${r.projector.port}`]] : [])),
  );
}

/** One global monitor: it reads every region, so it sees a dead source's last figures (see docs). */
export async function createMonitorApp(
  t: Topology,
  opts: {
    sampleIntervalMs?: number;
    slaProbeRatePerSecond?: number;
    operatorToken?: string;
    /** Mount `PUT /sla/probes` (a drill turns the probes on and off; the local topology only). */
    slaProbeControlHttp?: boolean;
  } = {},
): Promise<{ app: INestApplication; monitor: ReplicationMonitor }> {
  const monitor = new ReplicationMonitor({
    topology: t,
    rpoTargetMs: t.rpoTargetMs,
    projectorUrls: projectorUrls(t),
    projectedTopics: loadModels(t.models).aggregateTypes.map((a) => aggregateTopic(a)),
    ...(opts.sampleIntervalMs !== undefined ? { sampleIntervalMs: opts.sampleIntervalMs } : {}),
  });
  const metrics = new Registry();
  registerMonitorMetrics(monitor, metrics);
  // The SLA as clients see it: probes through the gateway (idle unless a rate is given).
  const prober = t.gateway
    ? new SlaProber({
        gatewayUrl: `http://127.0.0.1:${t.gateway.port}`,
        regions: t.regions.map((r) => r.name),
        ratePerSecond: opts.slaProbeRatePerSecond ?? 0,
        metrics,
      })
    : undefined;
  // Phase A: the dashboard reads the designation and runs failovers through any live etcd member.
  const etcd = t.regions.flatMap((r) => (r.etcd ? [`http://127.0.0.1:${r.etcd.clientPort}`] : []));
  const quorum =
    t.failover && etcd.length > 0
      ? new Quorum({
          hosts: etcd,
          namespace: quorumNamespace(t),
          regions: t.regions.map((r) => r.name),
          callTimeoutMs: 3000,
          logger: pino({ name: 'meridian-dashboard-quorum', level: 'warn' }),
        })
      : undefined;
  const flows = () => monitor.flows();
  const dashboard = new DashboardSource({
    topology: t,
    flows,
    staleEpochEvents: () => monitor.staleEpochEvents(),
    ...(quorum ? { quorum } : {}),
  });
  const runner = quorum
    ? new FailoverRunner({
        topology: t,
        quorum,
        flows,
        ...(opts.operatorToken ? { operatorToken: opts.operatorToken } : {}),
      })
    : undefined;
  @Module({
    controllers: [
      RpoController,
      metricsController(metrics),
      dashboardController(runner),
      ...(prober && opts.slaProbeControlHttp ? [slaProbeController(prober)] : []),
    ],
    providers: [
      { provide: ReplicationMonitor, useValue: monitor },
      { provide: DashboardSource, useValue: dashboard },
    ],
  })
  class MonitorModule {}
  const app = await NestFactory.create(MonitorModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await monitor.start();
  prober?.start();
  dashboard.start();
  const close = app.close.bind(app);
  app.close = async () => {
    await prober?.stop();
    await dashboard.stop();
    quorum?.close();
    await monitor.stop();
    await close();
  };
  return { app, monitor };
}
