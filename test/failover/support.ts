/** Shared by the Phase A tests: the running active-passive topology, its quorum and its clients. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot, LocalPaths, LocalStack } from '@meridian/local';
import { failover, Quorum, readDesignation } from '@meridian/quorum';
import { loadTopology, region } from '@meridian/topology';
import { waitFor } from '@meridian/testing';
import { WanControl } from '@meridian/wan';

const run = promisify(execFile);
export const repoRoot = findRepoRoot();
export const topology = loadTopology('active-passive', repoRoot);
export const wan = new WanControl(`http://127.0.0.1:${topology.wan!.controlPort}`);
export const stack = new LocalStack(new LocalPaths(repoRoot), { info: () => {}, warn: () => {} });
export const gatewayUrl = `http://127.0.0.1:${topology.gateway!.port}`;
export const TTL_MS = topology.failover!.leaseTtlSeconds * 1000;

export function serviceUrl(name: string): string {
  return `http://127.0.0.1:${region(topology, name).profileService!.port}`;
}

/** A quorum client through one region's member (use a region that is up). */
export function quorumVia(name: string): Quorum {
  return new Quorum({
    hosts: `http://127.0.0.1:${region(topology, name).etcd!.clientPort}`,
    namespace: `/meridian/${topology.name}/`,
    regions: topology.regions.map((r) => r.name),
    callTimeoutMs: 3000,
  });
}

/** `meridian local up`: brings back every process that is not running, and waits. */
export async function upEverything(): Promise<void> {
  await run('node', [join(repoRoot, 'bin', 'meridian.js'), 'local', 'up', '--topology', 'active-passive'], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Makes `home` the accepting primary (a no-op if it is), through the manual runbook. */
export async function ensurePrimary(home: string): Promise<void> {
  const q = quorumVia(home);
  try {
    const d = await readDesignation(q);
    if (!(d?.value.region === home && d.value.state === 'active')) {
      await failover(q, {
        to: home,
        by: 'test',
        reason: 'test setup',
        ttlSeconds: topology.failover!.leaseTtlSeconds,
        drainTimeoutMs: 10_000,
      });
    }
  } finally {
    q.close();
  }
  await waitFor(
    async () => {
      const res = await fetch(`${serviceUrl(home)}/health`).catch(() => undefined);
      return res?.ok && ((await res.json()) as { writes: { accepting: boolean } }).writes.accepting;
    },
    { timeoutMs: 30_000, description: `${home} to accept writes` },
  );
}
