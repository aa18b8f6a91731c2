import 'reflect-metadata';
import { tracing } from './otel';
import { startProfileService } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  await startProfileService(config, tracing ? { tracing } : {});
  console.log(`profile-service (${config.REGION}) listening on http://127.0.0.1:${config.PORT}`);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
