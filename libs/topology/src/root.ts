import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TopologyError } from './errors';

/** The repository root: the nearest folder upwards holding the `meridian` package.json. */
export function findRepoRoot(from = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'meridian')
      return dir;
    const up = dirname(dir);
    if (up === dir)
      throw new TopologyError('TOPOLOGY_NOT_FOUND', `cannot find the meridian repository root above ${from}`);
    dir = up;
  }
}
