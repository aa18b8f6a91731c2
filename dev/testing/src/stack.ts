import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WaitAbortError, waitFor } from '@meridian/local';
import { failover, Quorum, QuorumError, readDesignation } from '@meridian/quorum';
import { region, type Topology, findRepoRoot } from '@meridian/topology';

const run = promisify(execFile);

/** Runs `npx meridian <args>` to completion, its output shown (e.g. `meridian('local', 'kill', 'us-east')`). */
export function meridian(...args: string[]): void {
  execFileSync('node', [join(findRepoRoot(), 'bin', 'meridian.js'), ...args], { stdio: 'inherit' });
}

/**
 * How long a test hook may take to bring a killed region back with `localUp`: 59 s on a quiet
 * machine, over 180 s (jest's per-hook default here) seen in CI with Prometheus, probes and the
 * other regions busy.
 */
export const REVIVE_TIMEOUT_MS = 360_000;

/** `meridian local up`: starts whatever of the topology is not running (infra and apps), and waits. */
export async function localUp(topology: string): Promise<void> {
  await run('node', [join(findRepoRoot(), 'bin', 'meridian.js'), 'local', 'up', '--topology', topology], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** A quorum client through one region's etcd member (pick a region that is up). */
export function quorumVia(t: Topology, name: string): Quorum {
  return new Quorum({
    hosts: `http://127.0.0.1:${region(t, name).etcd!.clientPort}`,
    namespace: `/meridian/${t.name}/`,
    regions: t.regions.map((r) => r.name),
    callTimeoutMs: 3000,
  });
}

/** Phase A: makes `home` the accepting primary (a no-op if it is), through the manual runbook. */
export async function ensurePrimary(t: Topology, home: string, by = 'test'): Promise<void> {
  const q = quorumVia(t, home);
  try {
    // A region just healed from a partition may take an election to answer: wait for the quorum,
    // give up at once on an error that is not retriable.
    const d = await waitFor(
      () =>
        readDesignation(q)
          .then((v) => ({ v }))
          .catch((e: unknown) => {
            if (e instanceof QuorumError && e.retriable) throw e;
            throw new WaitAbortError('reading the designation', { cause: e });
          }),
      { timeoutMs: 30_000, intervalMs: 500, description: `the quorum to answer through ${home}` },
    ).then((x) => x.v);
    if (!(d?.value.region === home && d.value.state === 'active'))
      await failover(q, {
        to: home,
        by,
        reason: 'back to the home primary',
        ttlSeconds: t.failover!.leaseTtlSeconds,
        drainTimeoutMs: 30_000,
      });
  } finally {
    q.close();
  }
  const url = `http://127.0.0.1:${region(t, home).profileService!.port}/health`;
  await waitFor(
    async () => {
      const res = await fetch(url).catch(() => undefined);
      return res?.ok && ((await res.json()) as { writes: { accepting: boolean } }).writes.accepting;
    },
    { timeoutMs: 60_000, description: `${home} to accept writes` },
  );
}
