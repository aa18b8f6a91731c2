/** Shared by the Phase A tests: the active-passive topology and its clients. */
import { LocalPaths, LocalStack } from '@meridian/local';
import { loadTopology, region, findRepoRoot } from '@meridian/topology';
import { WanControl } from '@meridian/wan';

export const repoRoot = findRepoRoot();
export const topology = loadTopology('active-passive', repoRoot);
export const wan = new WanControl(`http://127.0.0.1:${topology.wan!.controlPort}`);
export const stack = new LocalStack(new LocalPaths(repoRoot), { info: () => {}, warn: () => {} });
export const gatewayUrl = `http://127.0.0.1:${topology.gateway!.port}`;
export const TTL_MS = topology.failover!.leaseTtlSeconds * 1000;

export function serviceUrl(name: string): string {
  return `http://127.0.0.1:${region(topology, name).profileService!.port}`;
}
