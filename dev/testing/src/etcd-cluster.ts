/**
 * A real 3-member etcd cluster on loopback for integration tests, one member per region (named after
 * the region), in a temp dir, on the ports `basePort .. basePort + 2 * members - 1` (client port
 * `basePort + 2i`, peer port `basePort + 2i + 1`). A test can freeze a member (SIGSTOP: it stops
 * answering, its region is cut off from the quorum, like a partition), thaw it (SIGCONT), crash it
 * (SIGKILL) and restart it on its data. `stop()` always kills every member and deletes the temp dir;
 * members left behind by a crashed test runner are killed on process exit.
 *
 * Needs `etcd` (3.4+) on the PATH (Debian: `apt-get install etcd-server`), or ETCD_BIN.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { waitFor } from '@meridian/local';

export interface EtcdClusterOptions {
  /** Member names, one per region (default: us-east, us-west, eu). */
  names?: readonly string[];
  /** First port of the cluster's block (the block is `2 * names.length` ports). */
  basePort: number;
  /** Label for logs. */
  label?: string;
  /** Raft heartbeat interval and election timeout (ms): short, so tests see failures quickly. */
  heartbeatIntervalMs?: number;
  electionTimeoutMs?: number;
}

export interface EtcdMemberInfo {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
}

type MemberState = 'running' | 'frozen' | 'dead';

interface Member extends EtcdMemberInfo {
  child?: ChildProcess;
  exited?: Promise<void>;
  state: MemberState;
}

const ETCD_BIN = process.env.ETCD_BIN ?? 'etcd';
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test runner dies without calling stop(): never leave etcd processes behind.
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGCONT');
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export class EtcdCluster {
  readonly dir: string;
  readonly token = `meridian-test-${randomUUID().slice(0, 8)}`;
  private readonly members: Member[];
  private stopped = false;

  private constructor(private readonly o: EtcdClusterOptions) {
    const names = o.names ?? ['us-east', 'us-west', 'eu'];
    this.dir = mkdtempSync(join(tmpdir(), `meridian-etcd-${o.label ?? 'test'}-`));
    this.members = names.map((name, i) => ({
      name,
      clientUrl: `http://127.0.0.1:${o.basePort + 2 * i}`,
      peerUrl: `http://127.0.0.1:${o.basePort + 2 * i + 1}`,
      dataDir: join(this.dir, `${name}.etcd`),
      logFile: join(this.dir, `${name}.log`),
      state: 'dead' as MemberState,
    }));
  }

  /** Starts every member and waits until the cluster answers a linearizable read through each one. */
  static async start(o: EtcdClusterOptions, timeoutMs = 30_000): Promise<EtcdCluster> {
    try {
      execFileSync(ETCD_BIN, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `\`${ETCD_BIN}\` not found: install etcd 3.4+ (apt-get install etcd-server) or set ETCD_BIN`,
      );
    }
    const names = o.names ?? ['us-east', 'us-west', 'eu'];
    for (let p = o.basePort; p < o.basePort + 2 * names.length; p++) {
      if (!(await portFree(p))) {
        throw new Error(
          `port ${p} is in use: pick another basePort for this etcd cluster (or stop what holds it)`,
        );
      }
    }
    installExitHook();
    const cluster = new EtcdCluster(o);
    console.log(`[etcd ${o.label ?? ''}] cluster ${cluster.token} in ${cluster.dir}`);
    try {
      for (const m of cluster.members) cluster.spawn(m);
      await cluster.waitHealthy(timeoutMs);
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  get info(): readonly EtcdMemberInfo[] {
    return this.members.map(({ name, clientUrl, peerUrl, dataDir, logFile }) => ({
      name,
      clientUrl,
      peerUrl,
      dataDir,
      logFile,
    }));
  }

  /** The client URL of one member (a region's processes talk only to their own member). */
  clientUrl(name: string): string {
    return this.member(name).clientUrl;
  }

  pid(name: string): number | undefined {
    return this.member(name).child?.pid;
  }

  private member(name: string): Member {
    const m = this.members.find((x) => x.name === name);
    if (!m)
      throw new Error(`no etcd member "${name}" (members: ${this.members.map((x) => x.name).join(', ')})`);
    return m;
  }

  private spawn(m: Member): void {
    const initialCluster = this.members.map((x) => `${x.name}=${x.peerUrl}`).join(',');
    const fd = openSync(m.logFile, 'a');
    const child = spawn(
      ETCD_BIN,
      [
        '--name',
        m.name,
        '--data-dir',
        m.dataDir,
        '--listen-client-urls',
        m.clientUrl,
        '--advertise-client-urls',
        m.clientUrl,
        '--listen-peer-urls',
        m.peerUrl,
        '--initial-advertise-peer-urls',
        m.peerUrl,
        '--initial-cluster',
        initialCluster,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        this.token,
        '--auto-compaction-retention',
        '1',
        '--heartbeat-interval',
        String(this.o.heartbeatIntervalMs ?? 100),
        '--election-timeout',
        String(this.o.electionTimeoutMs ?? 1000),
        '--log-outputs',
        'stderr',
      ],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    live.add(child);
    m.child = child;
    m.state = 'running';
    m.exited = new Promise((resolve) =>
      child.once('exit', () => {
        live.delete(child);
        m.state = 'dead';
        resolve();
      }),
    );
  }

  /** True when a linearizable read through `name`'s client URL succeeds within `timeoutMs`. */
  async answers(name: string, timeoutMs = 1000): Promise<boolean> {
    const client = new Etcd3({
      hosts: this.clientUrl(name),
      defaultCallOptions: () => ({ deadline: Date.now() + timeoutMs }),
    });
    try {
      await client.get('health-probe').string();
      return true;
    } catch {
      return false;
    } finally {
      client.close();
    }
  }

  /** Waits until every running member answers a linearizable read (so the cluster has a leader). */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    const running = this.members.filter((m) => m.state === 'running');
    try {
      await waitFor(
        async () => {
          for (const m of running) {
            if (m.child?.exitCode !== null || m.child?.signalCode !== null) {
              throw new Error(`etcd member ${m.name} exited; its log (${m.logFile}):\n${this.tail(m)}`);
            }
          }
          const ok = await Promise.all(running.map((m) => this.answers(m.name)));
          return ok.every(Boolean);
        },
        {
          timeoutMs,
          intervalMs: 200,
          description: `etcd members ${running.map((m) => m.name).join(', ')} healthy`,
        },
      );
    } catch (e) {
      for (const m of running) console.log(`[etcd ${m.name}] log tail:\n${this.tail(m)}`);
      throw e;
    }
  }

  private tail(m: Member, lines = 20): string {
    if (!existsSync(m.logFile)) return '(no log)';
    return readFileSync(m.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }

  /** SIGSTOP: the member stops answering (clients and peers): its region is cut off from the quorum. */
  freeze(name: string): void {
    const m = this.member(name);
    if (m.state !== 'running') throw new Error(`cannot freeze etcd ${name}: it is ${m.state}`);
    m.child!.kill('SIGSTOP');
    m.state = 'frozen';
  }

  /** SIGCONT after `freeze`. */
  thaw(name: string): void {
    const m = this.member(name);
    if (m.state !== 'frozen') throw new Error(`cannot thaw etcd ${name}: it is ${m.state}`);
    m.child!.kill('SIGCONT');
    m.state = 'running';
  }

  /** SIGKILL (a crash); resolves once the process is gone. */
  async kill(name: string): Promise<void> {
    const m = this.member(name);
    if (m.state === 'dead') return;
    m.child!.kill('SIGCONT');
    m.child!.kill('SIGKILL');
    await m.exited;
  }

  /** Restarts a killed member on its data dir (it rejoins with its old identity). */
  async restart(name: string, timeoutMs = 30_000): Promise<void> {
    const m = this.member(name);
    if (m.state !== 'dead') throw new Error(`cannot restart etcd ${name}: it is ${m.state}`);
    this.spawn(m);
    await waitFor(() => this.answers(name), {
      timeoutMs,
      intervalMs: 200,
      description: `restarted etcd member ${name} answering`,
    });
  }

  /** Kills every member (thawing frozen ones first) and deletes the temp dir. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const m of this.members) {
      if (m.state === 'dead' || !m.child) continue;
      m.child.kill('SIGCONT');
      m.child.kill('SIGKILL');
    }
    await Promise.all(this.members.map((m) => m.exited));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
