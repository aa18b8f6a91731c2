/** Carries out a chaos plan's faults on the real local topology, and undoes them. */
import { findRepoRoot, LocalPaths, LocalStack } from '@meridian/local';
import { loadTopology } from '@meridian/topology';
import { localUp, waitFor, WaitTimeoutError, type ChaosFault, type ChaosPlan } from '@meridian/testing';
import { WanControl } from '@meridian/wan';

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

/** `meridian local up`: starts whatever is not running (brokers, MirrorMaker 2, apps) and waits. */
export const upEverything = () => localUp('active-active');

async function apply(f: ChaosFault, log: (m: string) => void): Promise<void> {
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
  }
}

async function undo(f: ChaosFault): Promise<void> {
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
      return upEverything();
  }
}

/**
 * Runs the plan's faults at their times (relative to `t0`); resolves when the last is undone. When
 * undoing one overruns (a restart outlasting its slot), the later faults move by as much, so each
 * keeps its whole duration.
 */
export async function runFaults(plan: ChaosPlan, t0: number, log: (m: string) => void): Promise<void> {
  const at = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + ms - Date.now())));
  let shiftMs = 0;
  for (const f of plan.faults) {
    await at(f.atMs + shiftMs);
    const appliedAt = Date.now() - t0;
    shiftMs = appliedAt - f.atMs;
    log(`+${appliedAt} ms ${f.kind} ${f.region}${f.peer ? ` <-> ${f.peer}` : ''}`);
    await apply(f, (m) => log(`+${Date.now() - t0} ms ${m}`));
    await at(appliedAt + f.durationMs);
    await undo(f);
    log(`+${Date.now() - t0} ms undone ${f.kind} ${f.region}`);
  }
}

/** Back to a whole topology: a clean WAN and every process running. */
export async function healEverything(): Promise<void> {
  await wan.heal();
  await upEverything();
}
