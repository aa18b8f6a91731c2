import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The suites' and the benches' own topology: its own home and its own block of ports, so `npm test`
 * and `npm run bench` never touch a topology the user is running (its data, its failover state,
 * its ports). 500 keeps every shipped
 * port below the ephemeral range and clear of the default block (libs/topology's unit spec checks).
 * `MERIDIAN_TEST_TOPOLOGY=existing` runs the suites (and the benches) against the one the
 * environment names instead (the default home and ports unless MERIDIAN_HOME / MERIDIAN_PORT_OFFSET
 * say otherwise). Imported by relative path from jest's global setup, which has no path aliases:
 * keep this file free of `@meridian/*` imports.
 */
export const TEST_PORT_OFFSET = 500;

export function testTopologyEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.MERIDIAN_TEST_TOPOLOGY === 'existing') return {};
  return {
    // Relative to this file (dev/testing/src, or its build under dist/): no path aliases here.
    MERIDIAN_HOME: join(repoRootOf(__dirname), '.meridian-test'),
    MERIDIAN_PORT_OFFSET: String(TEST_PORT_OFFSET),
  };
}

/** Points this process, and every process it starts, at the suites' topology. */
export function useTestTopology(): void {
  Object.assign(process.env, testTopologyEnv());
}

function repoRootOf(dir: string): string {
  let d = dir;
  while (!existsSync(join(d, 'package.json')) || existsSync(join(d, 'tsconfig.build.json')) === false) {
    const up = dirname(d);
    if (up === d) throw new Error(`no repository root above ${dir}`);
    d = up;
  }
  return d;
}
