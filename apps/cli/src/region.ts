import { bootstrapServers, findRepoRoot, loadTopology, region, registryUrl } from '@meridian/topology';

/** Where a command finds one region of a topology: its brokers, its schema registry (if any), its models. */
export function regionEndpoints(
  topology: string,
  name: string,
): {
  topology: string;
  region: string;
  brokers: string[];
  registryUrl: string | undefined;
  models: readonly string[];
} {
  const t = loadTopology(topology, findRepoRoot());
  const r = region(t, name);
  return {
    topology: t.name,
    region: r.name,
    brokers: [bootstrapServers(r)],
    registryUrl: registryUrl(r),
    models: t.models,
  };
}
