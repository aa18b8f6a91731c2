import { Command } from 'commander';
import Table from 'cli-table3';
import {
  ensureKafkaJars,
  ensureRegistryApp,
  ensureZipkinJar,
  LocalPaths,
  LocalStack,
  operatorToken,
  type StackStatus,
} from '@meridian/local';
import { join } from 'node:path';
import {
  bootstrapServers,
  findRepoRoot,
  loadTopology,
  reachBootstrap,
  registryUrl,
  type Topology,
} from '@meridian/topology';
import { cliLogger } from './logger';
import { wanCommand } from './wan.command';

function stack(): LocalStack {
  const log = cliLogger();
  return new LocalStack(new LocalPaths(findRepoRoot()), {
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
  });
}

// Colours only on a terminal: piped output (CI logs, files) stays plain.
const tableStyle = process.stdout.isTTY ? {} : { style: { head: [], border: [] } };

/**
 * Where the services send their spans (the topology's Zipkin), and which share of new traces they
 * keep. `MERIDIAN_TRACING=off` starts them without tracing (the overhead bench's baseline).
 */
function tracingEnv(t: Topology): Record<string, string> {
  if (!t.tracing || process.env.MERIDIAN_TRACING === 'off') return {};
  return {
    TRACING_ZIPKIN_URL: `http://127.0.0.1:${t.tracing.zipkin.port}/api/v2/spans`,
    TRACING_SAMPLE_RATIO: process.env.MERIDIAN_TRACING_SAMPLE_RATIO ?? String(t.tracing.sampleRatio),
  };
}

/** Per region, its projector, its profile-service and the topology's own services, where given a port. */
function meridianApps(t: Topology, paths: LocalPaths, namespace: string) {
  const dist = join(paths.repoRoot, 'dist', 'apps');
  return t.regions.flatMap((r) => {
    const registry = registryUrl(r);
    if (!registry) return [];
    const common = {
      REGION: r.name,
      KAFKA_BROKERS: bootstrapServers(r),
      REGISTRY_URL: registry,
      ...tracingEnv(t),
    };
    const projectorUrl = r.projector ? `http://127.0.0.1:${r.projector.port}` : undefined;
    const apps = [];
    if (r.projector) {
      const port = r.projector.port;
      apps.push({
        name: `projector-${r.name}`,
        region: r.name,
        script: join(dist, 'projector', 'src', 'main.js'),
        port,
        healthUrl: `${projectorUrl}/health`,
        env: {
          ...common,
          PORT: String(port),
          MODELS: t.models.join(','),
          STORE: `sqlite:${join(paths.home, 'data', r.name, 'projector.db')}`,
          // The chaos suite aims projector crashes at store commits (a local test topology only).
          FAILPOINTS_HTTP: 'true',
        },
      });
    }
    // Phase A: the service writes only while its region holds the primary designation and its lease.
    const quorum =
      t.failover && r.etcd
        ? {
            ETCD_ENDPOINT: `http://127.0.0.1:${r.etcd.clientPort}`,
            QUORUM_NAMESPACE: namespace,
            QUORUM_REGIONS: t.regions.map((x) => x.name).join(','),
            LEASE_TTL_SECONDS: String(t.failover.leaseTtlSeconds),
            ...(t.failover.mode === 'automatic'
              ? {
                  FAILOVER_ORDER: (t.failover.order ?? t.regions.map((x) => x.name)).join(','),
                  FAILOVER_AFTER_MS: String(t.failover.failAfterMs),
                }
              : {}),
          }
        : {};
    if (r.profileService) {
      const port = r.profileService.port;
      apps.push({
        name: `profile-service-${r.name}`,
        region: r.name,
        script: join(dist, 'profile-service', 'src', 'main.js'),
        port,
        healthUrl: `http://127.0.0.1:${port}/health`,
        env: {
          ...common,
          ...quorum,
          PORT: String(port),
          ...(projectorUrl ? { PROJECTOR_URL: projectorUrl } : {}),
          // Remote-durability writes are confirmed by the regions this one's flows go to, read
          // across the same WAN links as everything else.
          REMOTE_CONFIRM_TARGETS: t.flows
            .filter((f) => f.from === r.name)
            .map((f) => `${f.to}@${reachBootstrap(t, r.name, f.to)}`)
            .join(','),
          // The chaos suite injects send failures and lost acknowledgements (a local test topology only).
          FAILPOINTS_HTTP: 'true',
        },
      });
    }
    // A team's own services: the region's endpoints, nothing of Meridian's internals.
    for (const svc of t.services) {
      const at = svc.regions[r.name];
      if (!at) continue;
      apps.push({
        name: `${svc.name}-${r.name}`,
        region: r.name,
        script: join(paths.repoRoot, svc.script),
        port: at.port,
        healthUrl: `http://127.0.0.1:${at.port}/health`,
        env: { ...common, PORT: String(at.port), ...(projectorUrl ? { PROJECTOR_URL: projectorUrl } : {}) },
      });
    }
    return apps;
  });
}

/** The global replication monitor, if the topology gives it a port. */
function monitorApp(t: Topology, paths: LocalPaths, topologyArg: string) {
  if (!t.monitor) return [];
  const port = t.monitor.port;
  return [
    {
      name: 'replication-monitor',
      region: 'global',
      script: join(paths.repoRoot, 'dist', 'apps', 'replication-monitor', 'src', 'main.js'),
      port,
      healthUrl: `http://127.0.0.1:${port}/health`,
      // Synthetic SLA probes through the gateway: opt-in (they write), e.g. MERIDIAN_SLA_PROBE_RATE=2.
      env: {
        TOPOLOGY: topologyArg,
        PORT: String(port),
        SLA_PROBE_RATE_PER_SECOND: process.env.MERIDIAN_SLA_PROBE_RATE ?? '0',
        // Drills turn the probes on for their span (a local test topology only).
        SLA_PROBE_CONTROL_HTTP: 'true',
        // The dashboard's failover action (Phase A) asks for it: <home>/run/operator-token.
        ...(t.failover ? { DASHBOARD_OPERATOR_TOKEN: operatorToken(paths) } : {}),
      },
    },
  ];
}

/** The global router, in the region the topology places it (it reaches the others over the WAN). */
function gatewayApp(t: Topology, paths: LocalPaths, topologyArg: string) {
  if (!t.gateway) return [];
  const port = t.gateway.port;
  return [
    {
      name: 'gateway',
      // It runs beside t.gateway.region's network (its WAN links start there) but is global
      // infrastructure: a region outage (`kill-region`) does not take it down.
      region: 'global',
      script: join(paths.repoRoot, 'dist', 'apps', 'gateway', 'src', 'main.js'),
      port,
      healthUrl: `http://127.0.0.1:${port}/health`,
      env: { TOPOLOGY: topologyArg, PORT: String(port), LOG_LEVEL: 'warn', ...tracingEnv(t) },
    },
  ];
}

function printStatus(s: StackStatus): void {
  if (s.processes.length === 0) {
    console.log('local topology: down');
    return;
  }
  console.log(`local topology: ${s.topology} — ${s.up ? 'up' : 'DEGRADED'}`);
  const procs = new Table({ head: ['process', 'region', 'state', 'pid', 'port', 'log'], ...tableStyle });
  for (const p of s.processes)
    procs.push([p.name, p.region, p.alive ? 'up' : 'down', p.pid, p.port ?? '', p.log]);
  console.log(procs.toString());
  const regions = new Table({
    head: ['region', 'kafka bootstrap', 'schema registry (Confluent API)'],
    ...tableStyle,
  });
  for (const r of s.regions) regions.push([r.name, r.bootstrap, r.registry ?? '']);
  console.log(regions.toString());
  if (s.flows.length > 0) {
    const flows = new Table({ head: ['flow', 'heartbeats', 'mirrored heartbeats'], ...tableStyle });
    for (const f of s.flows) {
      flows.push([
        `${f.from} → ${f.to}`,
        f.healthy ? `arriving (within ${f.freshWithinMs / 1000} s)` : 'NOT ARRIVING',
        f.heartbeatsMirrored,
      ]);
    }
    console.log(flows.toString());
  }
}

export function localCommand(): Command {
  const local = new Command('local');

  local
    .command('up')
    .description('fetch what is missing, start brokers and MirrorMaker 2, wait for heartbeats on every flow')
    .option('-t, --topology <name|path>', 'active-active | active-passive | a YAML file', 'active-active')
    .option('--timeout-ms <ms>', 'deadline for the whole start-up', (v) => Number(v), 240_000)
    .option('--no-apps', 'only the infrastructure (brokers, registries, MirrorMaker 2), no Meridian services')
    .option('--wan-seed <n>', "seed of the WAN's jitter (replayable runs)", (v) => Number(v))
    .action(async (o: { topology: string; timeoutMs: number; apps: boolean; wanSeed?: number }) => {
      const s = stack();
      const res = await s.up({
        topology: o.topology,
        timeoutMs: o.timeoutMs,
        ...(o.wanSeed !== undefined ? { wanSeed: o.wanSeed } : {}),
      });
      const log = cliLogger();
      // Loaded here, not with the command: Kafka admin and etcd clients are `up`'s alone.
      const [{ bootstrapRegions }, { withQuorum, quorumNamespace }, { initDesignation }] = await Promise.all([
        import('./bootstrap'),
        import('./quorum'),
        import('@meridian/quorum'),
      ]);
      await bootstrapRegions(res.topology, (m) => log.info(m));
      if (res.topology.failover) {
        const d = await withQuorum(res.topology, (q) =>
          initDesignation(q, res.topology.failover!.primary, 'local up'),
        );
        log.info(`write primary: ${d.value.region} (epoch ${d.value.epoch}, ${d.value.state})`);
      }
      if (o.apps) {
        const paths = new LocalPaths(findRepoRoot());
        const appsStarted = await s.startApps([
          ...meridianApps(res.topology, paths, quorumNamespace(res.topology)),
          ...monitorApp(res.topology, paths, o.topology),
          ...gatewayApp(res.topology, paths, o.topology),
        ]);
        if (appsStarted.length) log.info(`started ${appsStarted.join(', ')}`);
      }
      console.log(
        res.started.length === 0
          ? `already up (${res.topology.name}); infrastructure unchanged`
          : `up in ${(res.elapsedMs / 1000).toFixed(1)} s (Kafka ${s.kafkaVersion()}, topology ${res.topology.name})`,
      );
      printStatus(await s.status());
    });

  local
    .command('status')
    .description('each process (up/down, pid, port) and, per flow, whether heartbeats arrive')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Exit codes (with or without --json):
  0  every started process is alive and every flow receives heartbeats, or nothing was started
  3  some process is down, or some flow's heartbeats do not arrive
  1  the status could not be read`,
    )
    .action(async (o: { json?: boolean }) => {
      const st = await stack().status();
      if (o.json) console.log(JSON.stringify(st, null, 2));
      else printStatus(st);
      if (st.processes.length > 0 && (!st.up || st.flows.some((f) => !f.healthy))) process.exitCode = 3;
    });

  local
    .command('down')
    .description('stop everything `up` started (by pid)')
    .option('--purge', 'also delete data, logs and generated broker configs')
    .action(async (o: { purge?: boolean }) => {
      const res = await stack().down({ purge: o.purge ?? false });
      console.log(res.stopped.length ? `stopped: ${res.stopped.join(', ')}` : 'nothing was running');
      if (o.purge) console.log('data purged');
    });

  local
    .command('kill <region>')
    .description("stop one region's broker (SIGKILL: a crash) for failover work")
    .option('--graceful', 'SIGTERM and a clean shutdown instead')
    .action(async (region: string, o: { graceful?: boolean }) => {
      await stack().kill(region, { graceful: o.graceful ?? false });
      console.log(`broker of ${region} stopped`);
    });

  local
    .command('kill-region <region>')
    .description('a region outage: SIGKILL every process of the region (`local up` brings them back)')
    .action(async (region: string) => {
      const killed = await stack().killRegion(region);
      console.log(`killed ${killed.join(', ') || 'nothing (not running)'}`);
    });

  local
    .command('revive <region>')
    .description("restart one region's broker on its data and wait until it answers")
    .action(async (region: string) => {
      await stack().revive(region);
      console.log(`broker of ${region} is back`);
    });

  local
    .command('stop <process>')
    .description('stop one process by name (e.g. mm2-us-west, projector-eu); `local up` starts it again')
    .option('--kill', 'SIGKILL instead of SIGTERM')
    .action(async (name: string, o: { kill?: boolean }) => {
      await stack().stopProcess(name, { kill: o.kill ?? false });
      console.log(`${name} stopped`);
    });

  local
    .command('render')
    .description(
      'write the MirrorMaker 2 properties (mirrormaker/generated/) and the Prometheus config and rules (infra/prometheus/generated/) of a topology',
    )
    .option('-t, --topology <name|path>', 'topology', 'active-active')
    .action((o: { topology: string }) => {
      const s = stack();
      const t = loadTopology(o.topology, findRepoRoot());
      for (const f of [...s.renderMirrorMakerConfigs(t), ...s.renderPrometheusConfigs(t)]) console.log(f);
    });

  local
    .command('fetch')
    .description(
      "fetch Kafka's jars, Apicurio Registry and Zipkin from Maven Central (done by `up` when missing)",
    )
    .action(async () => {
      const log = cliLogger();
      const paths = new LocalPaths(findRepoRoot());
      console.log(await ensureKafkaJars(paths, (m) => log.info(m)));
      console.log(await ensureRegistryApp(paths, (m) => log.info(m)));
      console.log(await ensureZipkinJar(paths, (m) => log.info(m)));
    });

  local.addCommand(wanCommand());

  return local;
}
