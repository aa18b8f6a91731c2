/**
 * A projector of region us-east run as a child process of the test (`node dist/apps/projector/src/main.js`),
 * with its own store, its own consumer group and a free port, so a test can crash it (SIGKILL), stop
 * it (SIGTERM) and restart it on the same store without touching the shared projector of the local
 * topology. Build first (`npm run build`). The child's stdout/stderr go to a temp log (path printed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { loadModels } from '@meridian/domain';
import { sourceTopicPattern } from '@meridian/topology';
import {
  LOCAL_APPS,
  LOCAL_REGIONS,
  LOCAL_REGISTRIES,
  localKafka,
  SHIPPED_TOPOLOGY,
  uniqueName,
  waitFor,
} from '@meridian/testing';
import type { TestStore } from './stores';
import {
  type AggregateView,
  type ConflictsView,
  type DigestView,
  type PositionsView,
  ReadApiClient,
} from '@meridian/read-api';

export const REGION = 'us-east' as const;
export const REGISTRY_URL = LOCAL_REGISTRIES[REGION];
/** The projector `meridian local up` runs for us-east. */
export const SHARED_PROJECTOR_URL = LOCAL_APPS[REGION].projector;
const MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'projector', 'src', 'main.js');

type PositionView = PositionsView['positions'][number];

/** `topic:partition` → log-end offset, for every source topic of the projector in a region. */
export type EndOffsets = ReadonlyMap<string, bigint>;

/** The models the shared projectors serve (the shipped topology's): spawned ones serve the same. */
export const SHARED_MODELS = SHIPPED_TOPOLOGY.models;

/** Log-end offsets of every topic the projector consumes (its pattern: local and mirrored model topics). */
export async function sourceEndOffsets(admin: Admin): Promise<EndOffsets> {
  const pattern = sourceTopicPattern(loadModels(SHARED_MODELS).aggregateTypes);
  const topics = (await admin.listTopics()).filter((t) => pattern.test(t)).sort();
  const out = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) out.set(`${topic}:${p.partition}`, BigInt(p.high));
  }
  return out;
}

/** Why `positions` have not reached `ends` (empty when they have): partitions at 0 need no position. */
export function lagBehind(positions: readonly PositionView[], ends: EndOffsets, exact = false): string[] {
  const at = new Map(positions.map((p) => [`${p.topic}:${p.partition}`, BigInt(p.nextOffset)]));
  const behind: string[] = [];
  for (const [tp, end] of ends) {
    const pos = at.get(tp) ?? 0n;
    if (exact ? pos !== end : pos < end) behind.push(`${tp} at ${pos}/${end}`);
  }
  return behind;
}

/** The HTTP read API of a projector (a spawned one or the shared one). */
export class ProjectorClient {
  constructor(public baseUrl: string) {}

  /** Made per call: a spawned projector's URL is known only once its port is chosen. */
  private get api(): ReadApiClient {
    return new ReadApiClient(this.baseUrl, { timeoutMs: 10_000 });
  }

  positions(): Promise<PositionsView> {
    return this.api.positions();
  }

  digest(): Promise<DigestView> {
    return this.api.digest();
  }

  /** `undefined` when the projector holds nothing for the aggregate (404). */
  aggregate(type: string, id: string): Promise<AggregateView | undefined> {
    return this.api.aggregate(type, id);
  }

  /** The aggregate's LWW conflicts; `undefined` when the projector holds nothing for it. */
  conflicts(type: string, id: string): Promise<ConflictsView | undefined> {
    return this.api.conflicts(type, id);
  }

  async healthy(): Promise<boolean> {
    const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  }

  /** Positions are exactly `ends` on every partition (to compare two projectors at the same point). */
  async atExactly(ends: EndOffsets): Promise<boolean> {
    return lagBehind((await this.positions()).positions, ends, true).length === 0;
  }
}

export interface ProjectorProcessOptions {
  /** Label for logs and the consumer group. */
  name: string;
  store: TestStore;
  /**
   * A fresh consumer group on every start (default true). The group only assigns partitions (offsets
   * live in the store), but a SIGKILLed member stays in its group until its session times out (30 s),
   * so a restart in the same group waits that long for an assignment.
   */
  freshGroupPerStart?: boolean;
  /** More environment for the process (e.g. `MODELS` with a model of the test's own). */
  env?: Readonly<Record<string, string>>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export class ProjectorProcess {
  readonly logFile: string;
  readonly client = new ProjectorClient('');
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private starts = 0;
  private readonly groupBase: string;
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;

  constructor(private readonly o: ProjectorProcessOptions) {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
    this.logFile = join(mkdtempSync(join(tmpdir(), `meridian-${o.name}-`)), 'projector.log');
    this.groupBase = uniqueName(`test-projector-${o.name}`);
    console.log(`[${o.name}] store ${o.store.label}, log ${this.logFile}`);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the process (does not wait for it: see `waitHealthy`). */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.o.name} is already running (pid ${this.pid})`);
    const port = await freePort();
    this.starts++;
    const groupId = (this.o.freshGroupPerStart ?? true) ? `${this.groupBase}-${this.starts}` : this.groupBase;
    const fd = openSync(this.logFile, 'a');
    writeSync(
      fd,
      `\n--- start #${this.starts} port ${port} group ${groupId} at ${new Date().toISOString()}\n`,
    );
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        REGION,
        KAFKA_BROKERS: LOCAL_REGIONS[REGION],
        REGISTRY_URL,
        PORT: String(port),
        GROUP_ID: groupId,
        MODELS: SHARED_MODELS.join(','),
        ...this.o.store.env,
        ...this.o.env,
      },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.client.baseUrl = `http://127.0.0.1:${port}`;
  }

  /** Resolves once `/health` answers (the app starts listening only after the consumer has joined). */
  async waitHealthy(timeoutMs = 90_000): Promise<void> {
    const child = this.child;
    if (!child) throw new Error(`${this.o.name} was never started`);
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `${this.o.name} exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.logTail()}`,
          );
        }
        return this.client.healthy();
      },
      { timeoutMs, intervalMs: 50, description: `${this.o.name} (pid ${child.pid}) to answer /health` },
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\n${this.logTail()}`);
    });
  }

  /** A crash: SIGKILL, then wait for the exit. */
  async sigkill(): Promise<void> {
    await this.signal('SIGKILL', 10_000);
  }

  /** A graceful stop (SIGTERM: the app closes the consumer and the store); SIGKILL after 30 s. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM', 30_000);
  }

  private async signal(sig: NodeJS.Signals, timeoutMs: number): Promise<void> {
    if (!this.running || !this.child) return;
    const child = this.child;
    child.kill(sig);
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      console.warn(`[${this.o.name}] pid ${child.pid} ignored ${sig} for ${timeoutMs} ms: SIGKILL`);
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  positions(): Promise<PositionsView> {
    return this.client.positions();
  }

  private async sourceAdmin(): Promise<Admin> {
    if (!this.admin) {
      this.kafka = localKafka(REGION, `test-${this.o.name}`);
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** Log-end offsets of the source topics, now. */
  async endOffsets(): Promise<EndOffsets> {
    return sourceEndOffsets(await this.sourceAdmin());
  }

  /**
   * Every source partition's stored position has reached the log-end offset read just before the
   * positions (so a write racing the check cannot make it pass early); empty partitions need none.
   */
  async caughtUp(): Promise<boolean> {
    const ends = await this.endOffsets();
    return lagBehind((await this.positions()).positions, ends).length === 0;
  }

  /** Waits until `caughtUp()`, naming the lagging partitions on timeout. */
  async waitCaughtUp(timeoutMs = 120_000): Promise<void> {
    let behind: string[] = [];
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`${this.o.name} is not running:\n${this.logTail()}`);
        const ends = await this.endOffsets();
        behind = lagBehind((await this.positions()).positions, ends);
        return behind.length === 0;
      },
      { timeoutMs, intervalMs: 200, description: `${this.o.name} to catch up` },
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; behind: ${behind.join(', ')}\n${this.logTail()}`);
    });
  }

  logTail(lines = 30): string {
    try {
      const text = readFileSync(this.logFile, 'utf8').trimEnd().split('\n');
      return `--- last ${lines} lines of ${this.logFile}:\n${text.slice(-lines).join('\n')}`;
    } catch {
      return `(no log at ${this.logFile})`;
    }
  }

  /** Kills the child if it still runs (SIGKILL), closes the admin and disposes of the store. */
  async dispose(): Promise<void> {
    await this.sigkill().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
    await this.o.store.dispose();
  }
}

export interface AgreedSnapshot {
  /** The source log-end offsets every projector had applied exactly, unchanged while digests were read. */
  ends: EndOffsets;
  digests: DigestView[];
}

/**
 * Digests of several projectors taken at one point of the source topics: waits until every projector's
 * positions equal the log-end offsets, reads the digests, and accepts them only if the end offsets did
 * not move meanwhile (other writers may share the topology); otherwise tries again until `timeoutMs`.
 */
export async function digestsAtSameOffsets(
  endOffsets: () => Promise<EndOffsets>,
  projectors: readonly ProjectorClient[],
  timeoutMs = 180_000,
): Promise<AgreedSnapshot> {
  let last = '';
  return waitFor(
    async () => {
      const ends = await endOffsets();
      const views = await Promise.all(projectors.map((p) => p.positions()));
      const behind = views.map(
        (v, i) => [projectors[i]?.baseUrl, lagBehind(v.positions, ends, true)] as const,
      );
      last = behind.map(([url, b]) => `${url}: ${b.length === 0 ? 'at the end' : b.join(', ')}`).join('; ');
      if (behind.some(([, b]) => b.length > 0)) return undefined;
      const digests = await Promise.all(projectors.map((p) => p.digest()));
      const after = await endOffsets();
      const moved = [...after].some(([tp, end]) => ends.get(tp) !== end) || after.size !== ends.size;
      return moved ? undefined : { ends, digests };
    },
    { timeoutMs, intervalMs: 200, description: 'projectors at the same end offsets with none moving' },
  ).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; last: ${last}`);
  });
}

/** Same partitions, same offsets. */
export function sameEnds(a: EndOffsets, b: EndOffsets): boolean {
  return a.size === b.size && [...a].every(([tp, end]) => b.get(tp) === end);
}
