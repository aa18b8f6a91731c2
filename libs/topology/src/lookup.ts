import { TopologyError } from './errors';
import type { Region, Topology } from './model';

/** What a loaded topology says of one region and its flows (no I/O). */

export function region(t: Topology, name: string): Region {
  const r = t.regions.find((x) => x.name === name);
  if (!r) {
    throw new TopologyError(
      'TOPOLOGY_UNKNOWN_REGION',
      `unknown region "${name}" in topology ${t.name}; regions: ${t.regions.map((x) => x.name).join(', ')}`,
    );
  }
  return r;
}

export function bootstrapServers(r: Region): string {
  return `127.0.0.1:${r.kafka.port}`;
}

/** Base URL of the region's Confluent-compatible registry API, if it has a registry. */
export function registryUrl(r: Region): string | undefined {
  return r.registry ? `http://127.0.0.1:${r.registry.port}/apis/ccompat/v7` : undefined;
}

/** Flows that replicate into `target`. */
export function inboundFlows(t: Topology, target: string) {
  return t.flows.filter((f) => f.to === target);
}
