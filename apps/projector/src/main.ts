import 'reflect-metadata';
import { tracing } from './otel';
import { listenHttp } from '@meridian/config';
import { createProjectorApp } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const { app } = await createProjectorApp(config, tracing);
  await listenHttp(app, config.PORT);
  console.log(`projector (${config.REGION}) listening on http://127.0.0.1:${config.PORT}`);
}

main().catch((e: unknown) => {
  const code = (e as { code?: unknown }).code;
  console.error(typeof code === 'string' ? `${code}: ${(e as Error).message}` : (e as Error).message);
  process.exit(1);
});
