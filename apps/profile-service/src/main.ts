import 'reflect-metadata';
import { listenHttp } from '@meridian/config';
import { createProfileService } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createProfileService(config);
  await listenHttp(app, config.PORT);
  console.log(`profile-service (${config.REGION}) listening on http://127.0.0.1:${config.PORT}`);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
