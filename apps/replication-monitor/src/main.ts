import 'reflect-metadata';
import { z } from 'zod';
import { findRepoRoot } from '@meridian/local';
import { loadTopology } from '@meridian/topology';
import { createMonitorApp } from './app';

const Env = z.object({
  TOPOLOGY: z.string().min(1).default('active-active'),
  PORT: z.coerce.number().int().min(0).max(65535).default(19100),
  // Each sample is one ListOffsets per replicated topic and region: keep it modest by default.
  SAMPLE_INTERVAL_MS: z.coerce.number().int().min(10).default(500),
});

async function main(): Promise<void> {
  const env = Env.safeParse(process.env);
  if (!env.success) {
    throw new Error(
      `replication-monitor configuration is invalid:\n${env.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  const t = loadTopology(env.data.TOPOLOGY, findRepoRoot());
  const { app } = await createMonitorApp(t, { sampleIntervalMs: env.data.SAMPLE_INTERVAL_MS });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await app.listen(env.data.PORT, '127.0.0.1');
  console.log(`replication-monitor (${t.name}) on http://127.0.0.1:${env.data.PORT}/rpo`);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
