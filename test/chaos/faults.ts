/** Carries out a chaos plan's faults on the real local topology, and undoes them. */
import { LocalPaths, LocalStack } from '@meridian/local';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bootstrapServers, loadTopology, registryUrl, findRepoRoot } from '@meridian/topology';
import {
  localKafka,
  localUp,
  waitFor,
  WaitTimeoutError,
  type ChaosFault,
  type ChaosPlan,
} from '@meridian/testing';
import { readTopicToEnd } from '../support/kafka';
import { WanControl } from '@meridian/wan';
import { registerPendingSchemas, type ChaosRegion, type ChaosWorkload } from './workload';

const repoRoot = findRepoRoot();
export const topology = loadTopology('active-active', repoRoot);
export const wan = new WanControl(`http://127.0.0.1:${topology.wan!.controlPort}`);
export const stack = new LocalStack(new LocalPaths(repoRoot), { info: () => {}, warn: () => {} });

const projectorUrl = (region: string) =>
  `http://127.0.0.1:${topology.regions.find((r) => r.name === region)!.projector!.port}`;

async function projectorAnswers(region: string): Promise<boolean> {
  try {
    return (await fetch(`${projectorUrl(region)}/health`, { signal: AbortSignal.timeout(500) })).ok;
  } catch {
    return false;
  }
}

/**
 * Arms a crash at one of the projector's store-commit failpoints and waits (up to `withinMs`) for the
 * process to die there. A SIGKILL at a random instant rarely lands between two writes of a commit;
 * this one always lands on a commit boundary, where a half-committed batch would show.
 */
async function crashProjector(f: ChaosFault, withinMs: number, log: (m: string) => void): Promise<void> {
  const res = await fetch(`${projectorUrl(f.region)}/failpoints/${f.failpoint}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'crash', onHit: f.onHit }),
  });
  if (!res.ok)
    throw new Error(`arming ${f.failpoint} in projector-${f.region}: ${res.status} ${await res.text()}`);
  try {
    await waitFor(async () => !(await projectorAnswers(f.region)), {
      timeoutMs: withinMs,
      intervalMs: 50,
      description: `projector-${f.region} to crash at ${f.failpoint}`,
    });
    log(`projector-${f.region} crashed at ${f.failpoint}`);
    return;
  } catch (e) {
    if (!(e instanceof WaitTimeoutError)) throw e;
  }
  // Fewer commits than onHit in the window (no traffic reached it): nothing crashed; say so.
  await fetch(`${projectorUrl(f.region)}/failpoints/${f.failpoint}`, { method: 'DELETE' }).catch(
    () => undefined,
  );
  log(`projector-${f.region} did not reach commit #${f.onHit} in ${withinMs} ms; disarmed`);
}

/**
 * A second projector on the region's store (a zombie during a restart, a mistaken second deployment):
 * it must refuse to start (`STORE_LOCKED`) rather than write beside the live one. Throws if it runs.
 */
async function secondProjector(f: ChaosFault, log: (m: string) => void): Promise<void> {
  const r = topology.regions.find((x) => x.name === f.region)!;
  const paths = new LocalPaths(repoRoot);
  const child = spawn(process.execPath, [join(repoRoot, 'dist', 'apps', 'projector', 'src', 'main.js')], {
    env: {
      ...process.env,
      REGION: r.name,
      KAFKA_BROKERS: bootstrapServers(r),
      REGISTRY_URL: registryUrl(r)!,
      PORT: String(r.projector!.port + 9),
      STORE: `sqlite:${join(paths.home, 'data', r.name, 'projector.db')}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Node, Nest and kafkajs take seconds to start on a loaded machine (after a 2-minute restart of
  // MirrorMaker 2 the projectors are catching up too): the bound is the start, not the slot. It
  // only waits longer for the refusal: one still running when it ends is a failure, as before.
  const boundMs = Math.max(f.durationMs, 60_000);
  const code = await Promise.race([
    exited,
    new Promise<'running'>((r) => setTimeout(() => r('running'), boundMs)),
  ]);
  if (code === 'running') {
    child.kill('SIGKILL');
    throw new Error(`a second projector on ${f.region}'s store kept running for ${boundMs} ms`);
  }
  if (code === 0 || !output.includes('STORE_LOCKED'))
    throw new Error(
      `the second projector on ${f.region}'s store exited ${code} without STORE_LOCKED: ${output.slice(-300)}`,
    );
  log(`a second projector on ${f.region}'s store refused to start (exit ${code}, STORE_LOCKED)`);
}

interface MonitorFlow {
  source: string;
  target: string;
  rpoMs: number;
  rpoTargetMs: number;
  withinTarget: boolean;
  stale: boolean;
  updatedAtMs: number;
  partitions: { rpoRecords: number; rpoDating: string }[];
}

/**
 * MirrorMaker 2 of the region dies (flows into it stop); after a while a fresh replication monitor
 * starts (a monitor restarted during the outage). Once it has dated the backlog of the flows into the
 * region, its RPO in time must not be below the truth, read from the source logs themselves: every
 * record a source appended after the outage began is unmirrored, so the flow's RPO is at least the
 * age of the oldest of them. Throws if the figures flatter.
 */
async function monitorRestartDuringMirrorOutage(f: ChaosFault, log: (m: string) => void): Promise<void> {
  await stack.stopProcess(`mm2-${f.region}`, { kill: true });
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, Math.min(3_000, f.durationMs / 2)));
  const port = topology.monitor!.port + 7;
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'dist', 'apps', 'replication-monitor', 'src', 'main.js')],
    {
      env: { ...process.env, TOPOLOGY: 'active-active', PORT: String(port) },
      stdio: 'ignore',
    },
  );
  try {
    let flows: MonitorFlow[] = [];
    await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/rpo`, { signal: AbortSignal.timeout(1000) }).catch(
          () => undefined,
        );
        if (!res?.ok) return false;
        flows = ((await res.json()) as { flows: MonitorFlow[] }).flows.filter((x) => x.target === f.region);
        // Until a backlog that predates its first sample is dated from the records' timestamps, the
        // monitor says so (`undated`, never within target); wait for the dated figure.
        // A flow not measured yet (stale, no partitions: a region has not answered the fresh
        // monitor) says nothing either way: wait for figures measured on both sides.
        return (
          flows.length > 0 &&
          flows.every(
            (x) =>
              !x.stale &&
              x.partitions.length > 0 &&
              x.partitions.every((p) => p.rpoRecords === 0 || p.rpoDating !== 'undated'),
          )
        );
      },
      {
        // A fresh Node process on a loaded machine, then one sample, a still copy (1 s) and a dating:
        // 17.7 s measured under the chaos load. What is checked is the figure, not how soon it comes.
        timeoutMs: 60_000,
        intervalMs: 200,
        description: 'a fresh monitor to date the backlog of every flow',
      },
    );
    const shown: string[] = [];
    const flattering: string[] = [];
    for (const flow of flows) {
      // Origin topics carry the broker's append time (LogAppendTime).
      const records = await readTopicToEnd(
        localKafka(flow.source as never, 'chaos-rpo-truth'),
        'meridian.profile',
      );
      const after = records.map((r) => Number(r.timestamp)).filter((t) => t >= downAt);
      const truthAtLeastMs = after.length > 0 ? flow.updatedAtMs - Math.min(...after) : 0;
      shown.push(`${flow.source}→${flow.target} ${flow.rpoMs} ms (truth ≥ ${truthAtLeastMs} ms)`);
      if (flow.withinTarget && truthAtLeastMs > flow.rpoTargetMs) flattering.push(flow.source);
      else if (flow.rpoMs + 100 < truthAtLeastMs) flattering.push(flow.source);
    }
    if (flattering.length > 0)
      throw new Error(`a monitor started during mm2-${f.region}'s outage flatters: ${shown.join(', ')}`);
    log(`a fresh monitor during mm2-${f.region}'s outage (${Date.now() - downAt} ms): ${shown.join(', ')}`);
  } finally {
    child.kill('SIGKILL');
  }
}

/** `meridian local up`: starts whatever is not running (brokers, MirrorMaker 2, apps) and waits. */
export const upEverything = () => localUp('active-active');

/** What a fault may need to undo it, kept from its apply. */
type Undo = (() => Promise<void>) | undefined;

async function apply(f: ChaosFault, workload: ChaosWorkload, log: (m: string) => void): Promise<Undo> {
  if (f.kind === 'late-schema') {
    // Registered in the other regions only at the end of the slot: their projectors hold back.
    const late = workload.lateSchemaWriter(f.region as ChaosRegion, String(f.atMs));
    return async () => {
      await late.registerEverywhere();
      log(`the new TagAdded version of ${f.region}'s writer registered in every region`);
    };
  }
  await inject(f, log);
  return undefined;
}

async function inject(f: ChaosFault, log: (m: string) => void): Promise<void> {
  switch (f.kind) {
    case 'partition':
      return wan.isolate(f.region, 'partition');
    case 'half-open':
      return wan.isolate(f.region, 'half-open');
    case 'link-delay':
      await wan.set(f.region, f.peer!, { delayMs: f.delayMs! });
      await wan.set(f.peer!, f.region, { delayMs: f.delayMs! });
      return;
    case 'broker-kill':
      return stack.kill(f.region);
    case 'mirror-kill':
      return stack.stopProcess(`mm2-${f.region}`, { kill: true });
    case 'projector-kill':
      return stack.stopProcess(`projector-${f.region}`, { kill: true });
    case 'projector-crash':
      return crashProjector(f, f.durationMs, log);
    case 'second-projector':
      return secondProjector(f, log);
    case 'monitor-restart':
      return monitorRestartDuringMirrorOutage(f, log);
    case 'late-schema':
      return; // applied by `apply`, which keeps its undo
  }
}

async function undo(f: ChaosFault, kept: Undo): Promise<void> {
  if (kept) return kept();
  switch (f.kind) {
    case 'partition':
    case 'half-open':
    case 'link-delay':
      await wan.heal();
      return;
    case 'broker-kill':
      return stack.revive(f.region);
    case 'mirror-kill':
    case 'projector-kill':
    case 'projector-crash':
    case 'monitor-restart':
      return upEverything();
    case 'second-projector':
    case 'late-schema':
      return;
  }
}

/**
 * Runs the plan's faults at their times (relative to `t0`); resolves when the last is undone. When
 * undoing one overruns (a restart outlasting its slot), the later faults move by as much, so each
 * keeps its whole duration.
 */
export async function runFaults(
  plan: ChaosPlan,
  workload: ChaosWorkload,
  t0: number,
  log: (m: string) => void,
): Promise<void> {
  const at = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + ms - Date.now())));
  let shiftMs = 0;
  for (const f of plan.faults) {
    await at(f.atMs + shiftMs);
    const appliedAt = Date.now() - t0;
    shiftMs = appliedAt - f.atMs;
    log(`+${appliedAt} ms ${f.kind} ${f.region}${f.peer ? ` <-> ${f.peer}` : ''}`);
    const stamp = (m: string) => log(`+${Date.now() - t0} ms ${m}`);
    const kept = await apply(f, workload, stamp);
    await at(appliedAt + f.durationMs);
    await undo(f, kept);
    log(`+${Date.now() - t0} ms undone ${f.kind} ${f.region}`);
  }
}

/** Back to a whole topology: a clean WAN, every process running, no schema left half-registered. */
export async function healEverything(): Promise<void> {
  await wan.heal();
  await upEverything();
  await registerPendingSchemas();
}
