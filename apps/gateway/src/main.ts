import pino from 'pino';
import { tracing } from './otel';
import { Gateway } from '@meridian/routing';
import { loadTopology, findRepoRoot } from '@meridian/topology';
import { loadConfig, planGateway } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const plan = planGateway(config, loadTopology(config.TOPOLOGY, findRepoRoot()));
  const log = pino({ name: 'meridian-gateway', level: config.LOG_LEVEL });
  const gateway = new Gateway({
    regions: plan.regions,
    settings: plan.settings,
    logger: log,
    gatewayRegion: plan.gatewayRegion,
    ...(tracing ? { tracer: tracing.tracer } : {}),
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal while draining: stop now.
      log.warn({ signal }, 'second signal while draining: closing at once');
      void gateway.close().finally(() => process.exit(1));
      return;
    }
    stopping = true;
    log.info({ signal }, 'draining on signal');
    gateway.drain().then(
      async (r) => {
        log.info(r, 'gateway stopped');
        await tracing?.shutdown().catch(() => undefined);
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: (e as Error).message }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  await gateway.start(plan.port); // logs the port, regions and gateway region
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
