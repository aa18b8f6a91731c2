/**
 * Integration tests run against the real local topology. If it is not up, start it (and remember
 * that we did, so teardown stops it); if it is up, leave it alone. Uses the real CLI.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { useTestTopology } from '../dev/testing/src/test-topology';

const cli = join(__dirname, '..', 'bin', 'meridian.js');

function status(): { up: boolean; topology?: string; processes: unknown[] } {
  const out = execFileSync('node', [cli, 'local', 'status', '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out) as { up: boolean; topology?: string; processes: unknown[] };
}

/**
 * The project names its topology in `globals.MERIDIAN_TOPOLOGY` (default active-active). A different
 * running topology is an error, unless MERIDIAN_SWITCH_TOPOLOGY=1 (CI runs several suites in a row).
 */
export default function globalSetup(_global: unknown, project?: { globals?: Record<string, unknown> }): void {
  // Before anything reads a topology: the suites run on their own home and port block.
  useTestTopology();
  const REQUIRED_TOPOLOGY = String(project?.globals?.MERIDIAN_TOPOLOGY ?? 'active-active');
  let s: ReturnType<typeof status>;
  try {
    s = status();
  } catch (e) {
    // `status` exits 3 when something is degraded; its JSON is still on stdout.
    const out = (e as { stdout?: string }).stdout;
    if (!out) throw e;
    s = JSON.parse(out) as ReturnType<typeof status>;
  }
  if (s.up && s.topology === REQUIRED_TOPOLOGY) {
    console.log(`\n[int] using the running ${s.topology} topology (left alone afterwards)`);
    return;
  }
  if (process.env.MERIDIAN_SWITCH_TOPOLOGY === '1' && s.processes.length > 0) {
    console.log(
      `\n[int] replacing the running ${s.topology ?? 'degraded'} topology with ${REQUIRED_TOPOLOGY}`,
    );
    execFileSync('node', [cli, 'local', 'down'], { stdio: 'inherit' });
    s = { up: false, processes: [] };
  }
  if (s.up || s.processes.length > 0) {
    throw new Error(
      `the local topology is ${s.up ? `up as ${s.topology}` : 'degraded'}; the integration tests need a healthy ` +
        `${REQUIRED_TOPOLOGY}: run \`npx meridian local down\` (or \`local up\`) first`,
    );
  }
  console.log(`\n[int] starting the ${REQUIRED_TOPOLOGY} topology for the tests`);
  execFileSync('node', [cli, 'local', 'up', '--topology', REQUIRED_TOPOLOGY], { stdio: 'inherit' });
  (globalThis as { __MERIDIAN_STARTED_BY_TESTS__?: boolean }).__MERIDIAN_STARTED_BY_TESTS__ = true;
}
