import { join } from 'node:path';

/**
 * The suites' own topology: its own home and its own block of ports, so `npm test` never touches a
 * topology the user is running (its data, its failover state, its ports). 500 keeps every shipped
 * port below the ephemeral range and clear of the default block (libs/topology's unit spec checks).
 * `MERIDIAN_TEST_TOPOLOGY=existing` runs the suites against the one the environment names instead
 * (the default home and ports unless MERIDIAN_HOME / MERIDIAN_PORT_OFFSET say otherwise).
 */
export const TEST_PORT_OFFSET = 500;

export function testTopologyEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.MERIDIAN_TEST_TOPOLOGY === 'existing') return {};
  return {
    // Relative to this file, not through @meridian/topology: jest's global setup has no path aliases.
    MERIDIAN_HOME: join(__dirname, '..', '..', '.meridian-test'),
    MERIDIAN_PORT_OFFSET: String(TEST_PORT_OFFSET),
  };
}

/** Points this process, and every process it starts, at the suites' topology. */
export function useTestTopology(): void {
  Object.assign(process.env, testTopologyEnv());
}
