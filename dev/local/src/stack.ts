// Long on purpose: the local launcher's one lifecycle (plan, start by phase, wait, stop, kill), whose phases share the state file.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  bootstrapServers,
  etcdPeerProxyPort,
  loadTopology,
  mirroredHeartbeatsTopic,
  mirrorProcess,
  mirrorRegions,
  mirrorRenderName,
  region as regionOf,
  registryUrl,
  renderBrokerProperties,
  renderAlertRules,
  renderMirrorMakerProperties,
  renderPrometheusConfig,
  type Region,
  type Topology,
} from '@meridian/topology';
import { LocalError } from './errors';
import { checkPrerequisites } from './prerequisites';
import { ensureKafkaJars, kafkaClasspath, kafkaVersion } from './kafka-jars';
import type { LocalPaths } from './paths';
import { brokerReady, probeMirroredHeartbeats, registryReady } from './probes';
import { ensureZipkinJar } from './zipkin-app';
import { ensureRegistryApp } from './registry-app';
import {
  isAlive,
  portOpen,
  type ProcessRecord,
  spawnBinary,
  spawnJava,
  spawnNode,
  stopProcess,
  tailOf,
} from './processes';
import { WaitAbortError, waitFor } from './wait';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

interface StackState {
  topology: string;
  topologyName: string;
  processes: ProcessRecord[];
}

export interface ProcessStatus extends ProcessRecord {
  alive: boolean;
}
export interface FlowStatus {
  from: string;
  to: string;
  /** A mirrored heartbeat of `from` stamped within the last `freshWithinMs` is in `to`. */
  healthy: boolean;
  heartbeatsMirrored: number;
  freshWithinMs: number;
}
export interface StackStatus {
  up: boolean;
  topology?: string;
  processes: ProcessStatus[];
  flows: FlowStatus[];
  regions: {
    name: string;
    bootstrap: string;
    registry?: string;
    profileService?: string;
    projector?: string;
  }[];
}

export interface UpOptions {
  topology: string;
  /** Deadline for brokers to answer and for every flow to show a heartbeat. */
  timeoutMs?: number;
  /** Seeds the WAN's jitter. */
  wanSeed?: number;
}

/** An etcd member is healthy when it is part of a quorum (its /health proposes through raft). */
async function etcdHealthy(clientPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${clientPort}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

const BROKER_MAIN = 'kafka.Kafka';
const STORAGE_TOOL = 'kafka.tools.StorageTool';
const MIRROR_MAKER_MAIN = 'org.apache.kafka.connect.mirror.MirrorMaker';
const HEARTBEAT_FRESH_MS = 10_000;

/** Kafka cluster ids are 16 random bytes in URL-safe base64 (no padding), never starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * The local multi-region world: one single-node KRaft broker per region and one MirrorMaker 2
 * process per target region, started as JVMs from Maven Central jars and tracked by pid.
 */
/** One `up`: the topology, what already runs, and what this call started. */
interface UpRun {
  readonly t: Topology;
  readonly t0: number;
  readonly timeoutMs: number;
  readonly classpath: string;
  readonly registryJarPath: string | undefined;
  readonly zipkinJarPath: string | undefined;
  readonly state: StackState;
  readonly running: (name: string) => boolean;
  readonly started: string[];
}

export class LocalStack {
  constructor(
    private readonly paths: LocalPaths,
    private readonly log: Logger,
  ) {}

  private readState(): StackState | undefined {
    if (!existsSync(this.paths.stateFile)) return undefined;
    return JSON.parse(readFileSync(this.paths.stateFile, 'utf8')) as StackState;
  }

  /** Atomically (write, then rename): other processes (the WAN) read this file at any moment. */
  private writeState(s: StackState): void {
    mkdirSync(dirname(this.paths.stateFile), { recursive: true });
    const tmp = `${this.paths.stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(s, null, 2));
    renameSync(tmp, this.paths.stateFile);
  }

  private alive(rec: ProcessRecord): boolean {
    return isAlive(rec, this.paths.home);
  }

  /**
   * The processes the state file records (alive or not), read afresh: the WAN asks at each new etcd
   * peer connection, since members restart with new pids. Empty before the first `up`.
   */
  recordedProcesses(): ProcessRecord[] {
    return this.readState()?.processes ?? [];
  }

  /** The topology currently (or last) brought up, if any. */
  currentTopology(): Topology | undefined {
    const s = this.readState();
    return s ? loadTopology(s.topology, this.paths.repoRoot) : undefined;
  }

  /** Writes the topology's MirrorMaker 2 properties (for its placement) into mirrormaker/generated/. */
  renderMirrorMakerConfigs(t: Topology): string[] {
    return mirrorRegions(t).map((region) => {
      const file = this.paths.mirrorMakerProperties(mirrorRenderName(t), region);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, renderMirrorMakerProperties(t, region));
      return file;
    });
  }

  /** Writes the topology's Prometheus config and alert rules (`prometheus.yml`, `rules.yml`). */
  renderPrometheusConfigs(t: Topology): string[] {
    if (!t.prometheus) return [];
    const dir = this.paths.prometheusConfigDir(t.name);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, 'prometheus.yml');
    const rules = join(dir, 'rules.yml');
    writeFileSync(config, renderPrometheusConfig(t, 'rules.yml'));
    writeFileSync(rules, renderAlertRules(t));
    return [config, rules];
  }

  /**
   * Starts whatever of the topology is not running, phase by phase, each waiting for what the
   * next dials: brokers and registries, the WAN, the etcd quorum, then MirrorMaker 2 (ready when
   * every flow carries fresh heartbeats). Apps are started by the CLI on top.
   */
  async up(opts: UpOptions): Promise<{ topology: Topology; elapsedMs: number; started: string[] }> {
    const run = await this.plan(opts);
    await this.startBrokersAndRegistries(run);
    await this.startWan(run, opts);
    await this.startQuorum(run);
    await this.startPrometheus(run);
    await this.startZipkin(run);
    await this.waitInfrastructure(run);
    this.startMirrors(run);
    await this.waitMirroredHeartbeats(run);
    return { topology: run.t, elapsedMs: Date.now() - run.t0, started: run.started };
  }

  /** Checks what `up` needs (no other topology up, programs, jars) and what already runs. */
  private async plan(opts: UpOptions): Promise<UpRun> {
    const t0 = Date.now();
    const t = loadTopology(opts.topology, this.paths.repoRoot);
    const prev = this.readState();
    if (prev && prev.topologyName !== t.name && prev.processes.some((p) => this.alive(p))) {
      throw new LocalError(
        'TOPOLOGY_MISMATCH',
        `topology "${prev.topologyName}" is up; run \`npx meridian local down\` before bringing up "${t.name}"`,
      );
    }
    checkPrerequisites(t);
    await ensureKafkaJars(this.paths, (m) => this.log.info(m));
    const registryJarPath = t.regions.some((r) => r.registry)
      ? await ensureRegistryApp(this.paths, (m) => this.log.info(m))
      : undefined;
    const zipkinJarPath = t.tracing ? await ensureZipkinJar(this.paths, (m) => this.log.info(m)) : undefined;
    const keep = (prev?.processes ?? []).filter((p) => this.alive(p));
    return {
      t,
      t0,
      timeoutMs: opts.timeoutMs ?? 180_000,
      classpath: kafkaClasspath(this.paths),
      registryJarPath,
      zipkinJarPath,
      state: { topology: opts.topology, topologyName: t.name, processes: keep },
      running: (name: string) => keep.some((p) => p.name === name),
      started: [],
    };
  }

  private launch(run: UpRun, rec: ProcessRecord): void {
    run.state.processes.push(rec);
    run.started.push(rec.name);
  }

  private async startBrokersAndRegistries(run: UpRun): Promise<void> {
    const { t } = run;
    // Brokers: format once, start those not running (waited for in `waitInfrastructure`).
    await Promise.all(
      t.regions.map(async (r) => {
        const name = `kafka-${r.name}`;
        if (run.running(name)) return;
        await this.assertPortFree(r.kafka.port, name);
        await this.assertPortFree(r.kafka.controllerPort, name);
        this.launch(run, this.startBroker(t, r, run.classpath));
      }),
    );
    // Schema registries: independent of the brokers (their storage is a local H2 file).
    for (const r of t.regions) {
      const name = `registry-${r.name}`;
      if (!r.registry || !run.registryJarPath || run.running(name)) continue;
      await this.assertPortFree(r.registry.port, name);
      this.launch(run, this.startRegistry(r, run.registryJarPath));
    }
  }

  /** The WAN before anything dials across it (the etcd peers, MirrorMaker 2, the gateway). */
  private async startWan(run: UpRun, opts: UpOptions): Promise<void> {
    const { t, state } = run;
    if (t.wan && !run.running('wan')) {
      await this.assertPortFree(t.wan.controlPort, 'wan');
      this.launch(
        run,
        spawnNode({
          name: 'wan',
          kind: 'wan',
          region: 'global',
          home: this.paths.home,
          script: this.paths.wanScript,
          env: {
            TOPOLOGY: opts.topology,
            ...(opts.wanSeed !== undefined ? { WAN_SEED: String(opts.wanSeed) } : {}),
          },
          log: join(this.paths.logsDir, 'wan.log'),
          port: t.wan.controlPort,
        }),
      );
    }
    this.writeState(state);
    if (t.wan) {
      const controlPort = t.wan.controlPort;
      await this.waitProcess('wan', state, run.timeoutMs, 'the WAN proxies to answer', () =>
        portOpen(controlPort),
      );
    }
  }

  /** The etcd quorum, one member per region; its peers talk through the WAN. */
  private async startQuorum(run: UpRun): Promise<void> {
    const { t } = run;
    if (!t.regions.some((r) => r.etcd)) return;
    for (const r of t.regions) {
      const name = `etcd-${r.name}`;
      if (!r.etcd || run.running(name)) continue;
      await this.assertPortFree(r.etcd.clientPort, name);
      await this.assertPortFree(r.etcd.peerPort, name);
      this.launch(run, this.startEtcd(t, r));
    }
    this.writeState(run.state);
  }

  /** Prometheus, scraping the processes as they come up (targets start as down). */
  private async startPrometheus(run: UpRun): Promise<void> {
    const { t, state, timeoutMs } = run;
    const p = t.prometheus;
    if (!p) return;
    if (!run.running('prometheus')) {
      await this.assertPortFree(p.port, 'prometheus');
      const [config] = this.renderPrometheusConfigs(t);
      mkdirSync(this.paths.prometheusDataDir, { recursive: true });
      this.launch(
        run,
        spawnBinary({
          name: 'prometheus',
          kind: 'prometheus',
          region: 'global',
          command: 'prometheus',
          args: [
            `--config.file=${config}`,
            `--storage.tsdb.path=${this.paths.prometheusDataDir}`,
            '--storage.tsdb.retention.time=2d',
            `--web.listen-address=127.0.0.1:${p.port}`,
            '--web.enable-lifecycle',
            '--log.level=warn',
          ],
          marker: `--storage.tsdb.path=${this.paths.prometheusDataDir}`,
          log: join(this.paths.logsDir, 'prometheus.log'),
          port: p.port,
        }),
      );
      this.writeState(state);
    }
    await this.waitProcess('prometheus', state, timeoutMs, 'Prometheus to be ready', async () => {
      const res = await fetch(`http://127.0.0.1:${p.port}/-/ready`).catch(() => undefined);
      return res?.status === 200;
    });
  }

  /** Zipkin (in-memory storage), the trace backend; waited for with the brokers. */
  private async startZipkin(run: UpRun): Promise<void> {
    const z = run.t.tracing?.zipkin;
    if (!z || !run.zipkinJarPath || run.running('zipkin')) return;
    await this.assertPortFree(z.port, 'zipkin');
    this.launch(
      run,
      spawnJava({
        name: 'zipkin',
        kind: 'zipkin',
        region: 'global',
        home: this.paths.home,
        jar: run.zipkinJarPath,
        // Zipkin resolves its environment-style settings from system properties too.
        props: { QUERY_PORT: String(z.port), STORAGE_TYPE: 'mem', MEM_MAX_SPANS: '50000' },
        args: [],
        // In-memory storage keeps the newest MEM_MAX_SPANS; this heap holds them without GC thrash.
        heapMb: 384,
        log: join(this.paths.logsDir, 'zipkin.log'),
        port: z.port,
      }),
    );
    this.writeState(run.state);
  }

  /** Every etcd member in a quorum, every broker and registry answering. */
  private async waitInfrastructure(run: UpRun): Promise<void> {
    const { t, state, timeoutMs } = run;
    type Wait = readonly [name: string, what: string, ready: () => Promise<boolean>];
    const waits = t.regions.flatMap((r): Wait[] => {
      const out: Wait[] = [];
      const etcd = r.etcd;
      if (etcd)
        out.push([
          `etcd-${r.name}`,
          `etcd member of ${r.name} to join a quorum`,
          () => etcdHealthy(etcd.clientPort),
        ]);
      out.push([`kafka-${r.name}`, `broker of ${r.name} to answer`, () => brokerReady(bootstrapServers(r))]);
      const url = registryUrl(r);
      if (url)
        out.push([`registry-${r.name}`, `schema registry of ${r.name} to answer`, () => registryReady(url)]);
      return out;
    });
    const zipkin = t.tracing?.zipkin;
    if (zipkin)
      waits.push([
        'zipkin',
        'Zipkin to answer',
        async () =>
          (
            await fetch(`http://127.0.0.1:${zipkin.port}/health`, {
              signal: AbortSignal.timeout(2000),
            }).catch(() => undefined)
          )?.status === 200,
      ]);
    await Promise.all(
      waits.map(([name, what, ready]) => this.waitProcess(name, state, timeoutMs, what, ready)),
    );
    this.log.info(`brokers and registries ready after ${Date.now() - run.t0} ms`);
  }

  /** MirrorMaker 2: one dedicated process per region (running the flows into it, or out of it). */
  private startMirrors(run: UpRun): void {
    this.renderMirrorMakerConfigs(run.t);
    for (const region of mirrorRegions(run.t)) {
      if (run.running(`mm2-${region}`)) continue;
      this.launch(run, this.startMirrorMaker(run.t, region, run.classpath));
    }
    this.writeState(run.state);
  }

  /** Ready when every flow's target holds a heartbeat of its source emitted after we began. */
  private async waitMirroredHeartbeats(run: UpRun): Promise<void> {
    const { t, state, t0, timeoutMs } = run;
    const since = run.started.length > 0 ? t0 : Date.now() - HEARTBEAT_FRESH_MS;
    await Promise.all(
      t.flows.map((f) =>
        waitFor(
          async () => {
            this.assertStillRunning(state, [
              `mm2-${f.from}`,
              `mm2-${f.to}`,
              `kafka-${f.from}`,
              `kafka-${f.to}`,
            ]);
            const p = await probeMirroredHeartbeats(
              bootstrapServers(regionOf(t, f.to)),
              mirroredHeartbeatsTopic(f.from),
              since,
            );
            return p.arrivedSince;
          },
          {
            timeoutMs: Math.max(1000, timeoutMs - (Date.now() - t0)),
            intervalMs: 500,
            description: `heartbeats of ${f.from} in ${f.to}`,
          },
        ).catch((e: unknown) => {
          if (e instanceof LocalError) throw e;
          throw new LocalError(
            'START_TIMEOUT',
            `${(e as Error).message}; see ${join(this.paths.logsDir, `mm2-${t.mirror.placement === 'target' ? f.to : f.from}.log`)}`,
            { retriable: true, cause: e },
          );
        }),
      ),
    );
  }

  private startMirrorMaker(t: Topology, region: string, classpath: string): ProcessRecord {
    const name = `mm2-${region}`;
    return spawnJava({
      name,
      kind: 'mirrormaker',
      region,
      home: this.paths.home,
      classpath,
      mainClass: MIRROR_MAKER_MAIN,
      args: [
        this.paths.mirrorMakerProperties(mirrorRenderName(t), region),
        '--clusters',
        ...mirrorProcess(t, region).clusters,
      ],
      heapMb: t.mirror.heapMb,
      log: join(this.paths.logsDir, `${name}.log`),
    });
  }

  private startBroker(t: Topology, r: Region, classpath: string): ProcessRecord {
    const dataDir = this.paths.dataDir(r.name);
    const propsFile = join(this.paths.configDir, `kafka-${r.name}.properties`);
    mkdirSync(dirname(propsFile), { recursive: true });
    writeFileSync(propsFile, renderBrokerProperties(t, r, { dataDir }));
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      mkdirSync(dataDir, { recursive: true });
      const fmt = spawnSync(
        'java',
        [
          '-Xmx256m',
          '-cp',
          classpath,
          STORAGE_TOOL,
          'format',
          '-t',
          newClusterId(),
          '-c',
          propsFile,
          '--ignore-formatted',
        ],
        { encoding: 'utf8' },
      );
      if (fmt.status !== 0) {
        throw new LocalError(
          'START_TIMEOUT',
          `formatting storage of ${r.name} failed:\n${fmt.stdout}\n${fmt.stderr}`,
        );
      }
    }
    return spawnJava({
      name: `kafka-${r.name}`,
      kind: 'broker',
      region: r.name,
      home: this.paths.home,
      classpath,
      mainClass: BROKER_MAIN,
      args: [propsFile],
      heapMb: r.kafka.heapMb,
      log: join(this.paths.logsDir, `kafka-${r.name}.log`),
      port: r.kafka.port,
    });
  }

  /**
   * One member of the global etcd quorum. Its peers reach it through the WAN (its advertised peer
   * URL is its WAN proxy), so a partitioned region really loses the quorum.
   */
  private startEtcd(t: Topology, r: Region): ProcessRecord {
    const e = r.etcd!;
    const peerUrl = (x: Region) =>
      `http://127.0.0.1:${t.wan && x.wanPortBase !== undefined ? etcdPeerProxyPort(x) : x.etcd!.peerPort}`;
    const dataDir = this.paths.etcdDataDir(r.name);
    mkdirSync(dataDir, { recursive: true });
    return spawnBinary({
      name: `etcd-${r.name}`,
      kind: 'etcd',
      region: r.name,
      command: 'etcd',
      args: [
        `--name=${r.name}`,
        `--data-dir=${dataDir}`,
        `--listen-client-urls=http://127.0.0.1:${e.clientPort}`,
        `--advertise-client-urls=http://127.0.0.1:${e.clientPort}`,
        `--listen-peer-urls=http://127.0.0.1:${e.peerPort}`,
        `--initial-advertise-peer-urls=${peerUrl(r)}`,
        `--initial-cluster=${t.regions
          .filter((x) => x.etcd)
          .map((x) => `${x.name}=${peerUrl(x)}`)
          .join(',')}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=meridian-${t.name}`,
        // A WAN round trip is ~80 ms here: heartbeats every 100 ms, elections after 1 s of silence.
        '--heartbeat-interval=100',
        '--election-timeout=1000',
        // A member cut off by a partition keeps campaigning and raising its term; without pre-vote its
        // return forces the healthy leader to step down and stalls every quorum call for an election.
        '--pre-vote=true',
        '--auto-compaction-retention=1',
        '--logger=zap',
        '--log-level=warn',
      ],
      marker: `--data-dir=${dataDir}`,
      log: join(this.paths.logsDir, `etcd-${r.name}.log`),
      port: e.clientPort,
    });
  }

  /**
   * Apicurio Registry with its SQL storage in an H2 file per region: schemas survive a restart and
   * the registry does not depend on its region's broker being up.
   */
  private startRegistry(r: Region, jar: string): ProcessRecord {
    const port = r.registry?.port ?? 0;
    const dataDir = this.paths.registryDataDir(r.name);
    mkdirSync(dataDir, { recursive: true });
    return spawnJava({
      name: `registry-${r.name}`,
      kind: 'registry',
      region: r.name,
      home: this.paths.home,
      jar,
      props: {
        'quarkus.http.host': '127.0.0.1',
        'quarkus.http.port': String(port),
        'apicurio.datasource.url': `jdbc:h2:file:${join(dataDir, 'registry')}`,
        'quarkus.log.console.color': 'false',
      },
      args: [],
      heapMb: r.registry?.heapMb ?? 256,
      log: join(this.paths.logsDir, `registry-${r.name}.log`),
      port,
    });
  }

  private async assertPortFree(port: number, who: string): Promise<void> {
    if (await portOpen(port)) {
      throw new LocalError(
        'PORT_IN_USE',
        `port ${port} (for ${who}) is already in use by a process meridian did not start; stop it or change the port in the topology`,
      );
    }
  }

  private assertStillRunning(state: StackState, names: string[]): void {
    for (const n of names) {
      const rec = state.processes.find((p) => p.name === n);
      if (rec && !this.alive(rec)) {
        throw new LocalError(
          'PROCESS_EXITED',
          `${n} exited during start-up; last log lines:\n${tailOf(rec.log)}`,
        );
      }
    }
  }

  private async waitProcess(
    name: string,
    state: StackState,
    timeoutMs: number,
    description: string,
    ready: () => Promise<boolean>,
  ): Promise<void> {
    try {
      await waitFor(
        async () => {
          try {
            this.assertStillRunning(state, [name]);
          } catch (e) {
            throw new WaitAbortError((e as Error).message, { cause: e }); // no point waiting on
          }
          return ready();
        },
        { timeoutMs, intervalMs: 250, description },
      );
    } catch (e) {
      if (e instanceof LocalError) throw e;
      const rec = state.processes.find((p) => p.name === name);
      throw new LocalError('START_TIMEOUT', `${(e as Error).message}; see ${rec?.log ?? 'the logs'}`, {
        retriable: true,
        cause: e,
      });
    }
  }

  async status(): Promise<StackStatus> {
    const s = this.readState();
    if (!s) return { up: false, processes: [], flows: [], regions: [] };
    const t = loadTopology(s.topology, this.paths.repoRoot);
    const processes = s.processes.map((p) => ({ ...p, alive: this.alive(p) }));
    const flows = await Promise.all(
      t.flows.map(async (f) => {
        const p = await probeMirroredHeartbeats(
          bootstrapServers(regionOf(t, f.to)),
          mirroredHeartbeatsTopic(f.from),
          Date.now() - HEARTBEAT_FRESH_MS,
        );
        return {
          ...f,
          healthy: p.arrivedSince,
          heartbeatsMirrored: p.count,
          freshWithinMs: HEARTBEAT_FRESH_MS,
        };
      }),
    );
    return {
      up: processes.length > 0 && processes.every((p) => p.alive),
      topology: t.name,
      processes,
      flows,
      regions: t.regions.map((r) => {
        const registry = registryUrl(r);
        return {
          name: r.name,
          bootstrap: bootstrapServers(r),
          ...(registry ? { registry } : {}),
          ...(r.profileService ? { profileService: `http://127.0.0.1:${r.profileService.port}` } : {}),
          ...(r.projector ? { projector: `http://127.0.0.1:${r.projector.port}` } : {}),
        };
      }),
    };
  }

  /**
   * Starts Node services (e.g. one profile-service per region) that are not running and waits until
   * each answers `GET <healthUrl>`. Apps are stopped first by `down`.
   */
  async startApps(
    apps: {
      name: string;
      region: string;
      script: string;
      env: Record<string, string>;
      port: number;
      healthUrl: string;
    }[],
    timeoutMs = 60_000,
  ): Promise<string[]> {
    const s = this.requireState();
    const started: string[] = [];
    for (const a of apps) {
      const existing = s.processes.find((p) => p.name === a.name);
      if (existing && this.alive(existing)) continue;
      await this.assertPortFree(a.port, a.name);
      const rec = spawnNode({ ...a, home: this.paths.home, log: join(this.paths.logsDir, `${a.name}.log`) });
      s.processes = [...s.processes.filter((p) => p.name !== a.name), rec];
      started.push(a.name);
    }
    this.writeState(s);
    await Promise.all(
      apps.map((a) =>
        this.waitProcess(a.name, s, timeoutMs, `${a.name} to answer ${a.healthUrl}`, async () => {
          try {
            // A busy app on 2 loaded cores can take seconds to answer; the overall wait still bounds it.
            return (await fetch(a.healthUrl, { signal: AbortSignal.timeout(5000) })).ok;
          } catch {
            return false;
          }
        }),
      ),
    );
    return started;
  }

  /** Stops MirrorMaker 2 first (it would otherwise hang retrying dead brokers), then the brokers. */
  async down(opts: { purge?: boolean } = {}): Promise<{ stopped: string[] }> {
    const s = this.readState();
    const stopped: string[] = [];
    if (s) {
      const apps = s.processes.filter((p) => p.kind === 'app');
      const mm = s.processes.filter((p) => p.kind === 'mirrormaker');
      const brokers = s.processes.filter((p) => p.kind === 'broker' || p.kind === 'registry');
      const infra = s.processes.filter(
        (p) => p.kind === 'etcd' || p.kind === 'wan' || p.kind === 'prometheus' || p.kind === 'zipkin',
      );
      for (const group of [apps, mm, brokers, infra]) {
        const results = await Promise.all(
          group.map((p) => stopProcess(p, this.paths.home, { timeoutMs: 30_000 })),
        );
        group.forEach((p, i) => results[i] !== 'not-running' && stopped.push(p.name));
      }
      rmSync(this.paths.stateFile, { force: true });
    }
    if (opts.purge) {
      rmSync(join(this.paths.home, 'data'), { recursive: true, force: true });
      rmSync(this.paths.logsDir, { recursive: true, force: true });
      rmSync(this.paths.configDir, { recursive: true, force: true });
    }
    return { stopped };
  }

  /** Stops one region's broker: SIGKILL by default (a crash), SIGTERM with `graceful`. */
  async kill(regionName: string, opts: { graceful?: boolean } = {}): Promise<void> {
    const s = this.requireState();
    const t = loadTopology(s.topology, this.paths.repoRoot);
    regionOf(t, regionName);
    const rec = s.processes.find((p) => p.name === `kafka-${regionName}`);
    if (!rec || !this.alive(rec))
      throw new LocalError('NOT_UP', `the broker of ${regionName} is not running`);
    await stopProcess(rec, this.paths.home, { signal: opts.graceful ? 'SIGTERM' : 'SIGKILL' });
  }

  /**
   * A region outage: SIGKILL of every process of the region at once (broker, registry, MirrorMaker 2,
   * etcd member, services). `up` brings them back. Returns the names killed.
   */
  async killRegion(regionName: string): Promise<string[]> {
    const s = this.requireState();
    regionOf(loadTopology(s.topology, this.paths.repoRoot), regionName);
    const victims = s.processes.filter((p) => p.region === regionName && this.alive(p));
    await Promise.all(victims.map((p) => stopProcess(p, this.paths.home, { signal: 'SIGKILL' })));
    return victims.map((p) => p.name);
  }

  /** Stops one process by its name (`mm2-us-west`, `projector-eu`, …); `local up` starts it again. */
  async stopProcess(name: string, opts: { kill?: boolean } = {}): Promise<void> {
    const s = this.requireState();
    const rec = s.processes.find((p) => p.name === name);
    if (!rec)
      throw new LocalError(
        'NOT_UP',
        `no process "${name}"; processes: ${s.processes.map((p) => p.name).join(', ')}`,
      );
    await stopProcess(rec, this.paths.home, { signal: opts.kill ? 'SIGKILL' : 'SIGTERM' });
  }

  /**
   * Restarts one region's broker on its existing data and waits until it answers; then restarts the
   * region's MirrorMaker 2, whose Connect workers keep their own state in that broker and do not
   * come back by themselves after losing it (seen here: connectors "failed to properly shut down,
   * has become unresponsive", no heartbeats for minutes). A supervisor does the same in production.
   */
  async revive(regionName: string, timeoutMs = 120_000): Promise<void> {
    const s = this.requireState();
    const t = loadTopology(s.topology, this.paths.repoRoot);
    const r = regionOf(t, regionName);
    const name = `kafka-${regionName}`;
    const old = s.processes.find((p) => p.name === name);
    if (old && this.alive(old)) return;
    await this.assertPortFree(r.kafka.port, name);
    const classpath = kafkaClasspath(this.paths);
    const rec = this.startBroker(t, r, classpath);
    s.processes = [...s.processes.filter((p) => p.name !== name), rec];
    this.writeState(s);
    await this.waitProcess(name, s, timeoutMs, `broker of ${regionName} to answer`, () =>
      brokerReady(bootstrapServers(r)),
    );
    const mmName = `mm2-${regionName}`;
    const mm = s.processes.find((p) => p.name === mmName);
    if (mm) {
      await stopProcess(mm, this.paths.home, { timeoutMs: 10_000 });
      s.processes = [
        ...s.processes.filter((p) => p.name !== mmName),
        this.startMirrorMaker(t, regionName, classpath),
      ];
      this.writeState(s);
    }
  }

  private requireState(): StackState {
    const s = this.readState();
    if (!s) throw new LocalError('NOT_UP', 'the local topology is not up: run `npx meridian local up`');
    return s;
  }

  kafkaVersion(): string {
    return kafkaVersion(this.paths);
  }
}
