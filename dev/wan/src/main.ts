import { z } from 'zod';
import pino from 'pino';
import { loadEnv } from '@meridian/config';
import { LocalPaths, LocalStack } from '@meridian/local';
import { loadTopology, findRepoRoot } from '@meridian/topology';
import { closeServer, startWanControl, WanMesh } from './index';

/** The local WAN: every cross-region connection of the topology crosses one of its proxies. */
async function main(): Promise<void> {
  const config = loadEnv('wan', {
    TOPOLOGY: z.string().min(1).default('active-active'),
    WAN_SEED: z.coerce.number().int().optional(),
  });
  const log = pino({ name: 'wan' });
  const paths = new LocalPaths(findRepoRoot());
  const t = loadTopology(config.TOPOLOGY, paths.repoRoot);
  if (!t.wan) throw new Error(`topology ${t.name} has no wan section`);
  // etcd members restart with new pids: ask the launcher's records at each new peer connection
  // (keeping the last good answer if they cannot be read just now).
  const stack = new LocalStack(paths, { info: () => {}, warn: (m) => log.warn(m) });
  let known = new Map<number, string>();
  const etcdPids = () => {
    try {
      known = new Map(
        stack
          .recordedProcesses()
          .filter((p) => p.kind === 'etcd')
          .map((p) => [p.pid, p.region]),
      );
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'cannot read the local state; using the last known etcd pids');
    }
    return known;
  };
  const mesh = new WanMesh({
    topology: t,
    ...(config.WAN_SEED !== undefined ? { seed: config.WAN_SEED } : {}),
    etcdPids,
    log: (m) => log.warn(m),
  });
  await mesh.start();
  const control = await startWanControl(mesh, t.wan.controlPort);
  log.info(
    { links: mesh.links.size, delayMs: t.wan.delayMs, jitterMs: t.wan.jitterMs },
    `wan up; control on http://127.0.0.1:${t.wan.controlPort}/links`,
  );
  const stop = () => void Promise.all([mesh.stop(), closeServer(control)]).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
