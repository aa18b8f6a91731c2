import 'reflect-metadata';
import { z } from 'zod';
import { listenHttp, loadEnv } from '@meridian/config';
import { loadTopology, findRepoRoot } from '@meridian/topology';
import { createMonitorApp } from './app';

async function main(): Promise<void> {
  const config = loadEnv('replication-monitor', {
    TOPOLOGY: z.string().min(1).default('active-active'),
    PORT: z.coerce.number().int().min(0).max(65535).default(19100),
    // Each sample is one ListOffsets per replicated topic and region: keep it modest by default.
    SAMPLE_INTERVAL_MS: z.coerce.number().int().min(10).default(500),
  });
  const t = loadTopology(config.TOPOLOGY, findRepoRoot());
  const { app } = await createMonitorApp(t, { sampleIntervalMs: config.SAMPLE_INTERVAL_MS });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await listenHttp(app, config.PORT);
  console.log(`replication-monitor (${t.name}) on http://127.0.0.1:${config.PORT}/rpo`);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
