import 'reflect-metadata';
import { listenHttp } from '@meridian/config';
import { loadTopology, findRepoRoot } from '@meridian/topology';
import { createMonitorApp } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const t = loadTopology(config.TOPOLOGY, findRepoRoot());
  const { app } = await createMonitorApp(t, {
    sampleIntervalMs: config.SAMPLE_INTERVAL_MS,
    slaProbeRatePerSecond: config.SLA_PROBE_RATE_PER_SECOND,
    slaProbeControlHttp: config.SLA_PROBE_CONTROL_HTTP,
    ...(config.DASHBOARD_OPERATOR_TOKEN ? { operatorToken: config.DASHBOARD_OPERATOR_TOKEN } : {}),
  });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await listenHttp(app, config.PORT);
  console.log(
    `replication-monitor (${t.name}) on http://127.0.0.1:${config.PORT}/rpo, dashboard http://127.0.0.1:${config.PORT}/dashboard`,
  );
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
