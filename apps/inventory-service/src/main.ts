import 'reflect-metadata';
import { startInventoryService } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  await startInventoryService(config);
  console.log(`inventory-service (${config.REGION}) listening on http://127.0.0.1:${config.PORT}`);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
