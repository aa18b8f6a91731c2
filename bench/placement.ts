/**
 * The benches that compare where MirrorMaker 2 runs (issue 18: `mirror.placement`): they measure
 * once per placement on the same topology, restarting only the MirrorMaker 2 processes between
 * (`local stop mm2-*`, then `local up` with `MERIDIAN_MIRROR_PLACEMENT`, which waits for every
 * flow's heartbeats), and leave the topology's own placement in place afterwards.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  findRepoRoot,
  loadTopology,
  mirrorRegions,
  type MirrorPlacement,
  type Topology,
} from '@meridian/topology';

/** `BENCH_MIRROR_PLACEMENTS` (comma-separated, default `target,source`). */
export function benchPlacements(): MirrorPlacement[] {
  const raw = (process.env.BENCH_MIRROR_PLACEMENTS ?? 'target,source').split(',').map((s) => s.trim());
  for (const p of raw)
    if (p !== 'target' && p !== 'source')
      throw new Error(
        `BENCH_MIRROR_PLACEMENTS: target and/or source, comma-separated; got ${JSON.stringify(p)}`,
      );
  return raw as MirrorPlacement[];
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): void {
  execFileSync('node', [join(findRepoRoot(), 'bin', 'meridian.js'), ...args], { stdio: 'inherit', env });
}

/** Restarts the topology's MirrorMaker 2 processes with `placement`; returns the topology as run. */
export function useMirrorPlacement(topology: string, placement: MirrorPlacement): Topology {
  const root = findRepoRoot();
  // Stop every MirrorMaker 2 process either placement may have started.
  const current = new Set([
    ...mirrorRegions(loadTopology(topology, root, { mirrorPlacement: 'target' })),
    ...mirrorRegions(loadTopology(topology, root, { mirrorPlacement: 'source' })),
  ]);
  for (const r of current) {
    try {
      cli(['local', 'stop', `mm2-${r}`]);
    } catch {
      // Not a process of this topology under its current placement: nothing to stop.
    }
  }
  cli(['local', 'up', '--topology', topology], { ...process.env, MERIDIAN_MIRROR_PLACEMENT: placement });
  return loadTopology(topology, root, { mirrorPlacement: placement });
}

/** Runs `measure` once per placement of `benchPlacements()`, then restores the topology's own. */
export async function perPlacement<T>(
  topology: string,
  measure: (t: Topology, placement: MirrorPlacement) => Promise<T>,
): Promise<{ placement: MirrorPlacement; result: T }[]> {
  const own = loadTopology(topology, findRepoRoot()).mirror.placement;
  const out: { placement: MirrorPlacement; result: T }[] = [];
  try {
    for (const placement of benchPlacements())
      out.push({ placement, result: await measure(useMirrorPlacement(topology, placement), placement) });
  } finally {
    if (out.length === 0 || out[out.length - 1]!.placement !== own) useMirrorPlacement(topology, own);
  }
  return out;
}
