import 'reflect-metadata';
import { startProfileService } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  await startProfileService(config);
  console.log(`profile-service (${config.REGION}) listening on http://127.0.0.1:${config.PORT}`);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
