import { Gauge, type Registry } from 'prom-client';
import type { ReplicationMonitor } from './monitor';

/** Prometheus gauges, computed from the monitor's latest figures at scrape time. */
export function registerMonitorMetrics(monitor: ReplicationMonitor, registry: Registry): void {
  const perPartition = ['source', 'target', 'topic', 'partition'];
  const perFlow = ['source', 'target'];
  const g = (name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });
  g(
    'meridian_stale_epoch_events',
    "Events a region's projector saw with a writer epoch older than one already seen (Phase A).",
    ['region'],
    (gauge) => {
      for (const [region, n] of Object.entries(monitor.staleEpochEvents())) gauge.set({ region }, n);
    },
  );
  g('meridian_rpo_records', 'Acknowledged source records not yet in the target.', perPartition, (gauge) => {
    for (const f of monitor.flows())
      for (const p of f.partitions)
        gauge.set(
          { source: f.source, target: f.target, topic: p.topic, partition: String(p.partition) },
          p.rpoRecords,
        );
  });
  g(
    'meridian_rpo_seconds',
    'Age of the oldest acknowledged source record not yet in the target.',
    perPartition,
    (gauge) => {
      for (const f of monitor.flows())
        for (const p of f.partitions)
          gauge.set(
            { source: f.source, target: f.target, topic: p.topic, partition: String(p.partition) },
            p.rpoMs / 1000,
          );
    },
  );
  g(
    'meridian_projection_lag_records',
    'Mirrored records the target projector has not applied.',
    perPartition,
    (gauge) => {
      for (const f of monitor.flows())
        for (const p of f.partitions)
          if (p.projectionLagRecords !== undefined)
            gauge.set(
              { source: f.source, target: f.target, topic: p.topic, partition: String(p.partition) },
              p.projectionLagRecords,
            );
    },
  );
  g(
    'meridian_replication_latency_seconds',
    'Arrival minus timestamp of the newest mirrored MirrorMaker 2 heartbeat; absent when none arrives.',
    perFlow,
    (gauge) => {
      for (const f of monitor.flows())
        if (f.replicationLatencyMs !== undefined)
          gauge.set({ source: f.source, target: f.target }, f.replicationLatencyMs / 1000);
    },
  );
  g(
    'meridian_heartbeat_age_seconds',
    'Now minus the timestamp of the newest mirrored MirrorMaker 2 heartbeat (grows when they stop).',
    perFlow,
    (gauge) => {
      for (const f of monitor.flows())
        if (f.heartbeatAgeMs !== undefined)
          gauge.set({ source: f.source, target: f.target }, f.heartbeatAgeMs / 1000);
    },
  );
  g(
    'meridian_rpo_drained',
    "1 when MirrorMaker 2's offset mapping covers every acknowledged record of the flow (and it is fresh).",
    perFlow,
    (gauge) => {
      for (const f of monitor.flows()) gauge.set({ source: f.source, target: f.target }, f.drained ? 1 : 0);
    },
  );
  g(
    'meridian_rpo_stale',
    '1 when a region of the flow does not answer (figures from its last samples).',
    perFlow,
    (gauge) => {
      for (const f of monitor.flows()) gauge.set({ source: f.source, target: f.target }, f.stale ? 1 : 0);
    },
  );
  g(
    'meridian_rpo_within_target',
    '1 when the flow is fresh and its RPO (time) within target.',
    perFlow,
    (gauge) => {
      for (const f of monitor.flows())
        gauge.set({ source: f.source, target: f.target }, f.withinTarget ? 1 : 0);
    },
  );
}
