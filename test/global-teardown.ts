import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { useTestTopology } from '../dev/testing/src/test-topology';

export default function globalTeardown(): void {
  useTestTopology();
  if (!(globalThis as { __MERIDIAN_STARTED_BY_TESTS__?: boolean }).__MERIDIAN_STARTED_BY_TESTS__) return;
  execFileSync('node', [join(__dirname, '..', 'bin', 'meridian.js'), 'local', 'down'], { stdio: 'inherit' });
}
