import { spawnSync } from 'node:child_process';
import type { Topology } from '@meridian/topology';
import { LocalError } from './errors';

/** Whether `command --version`-style probing finds the program. */
export type CommandProbe = (command: string, args: readonly string[]) => boolean;

const runs: CommandProbe = (command, args) => !spawnSync(command, [...args], { encoding: 'utf8' }).error;

/**
 * Every system program the topology needs, checked before anything starts: a missing one would
 * otherwise surface halfway through `up`, with brokers already running.
 */
export function checkPrerequisites(
  t: Pick<Topology, 'regions'> & Partial<Pick<Topology, 'prometheus'>>,
  probe: CommandProbe = runs,
): void {
  if (!probe('java', ['-version']))
    throw new LocalError(
      'JAVA_MISSING',
      '`java` not found: install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)',
    );
  if (t.regions.some((r) => r.etcd) && !probe('etcd', ['--version']))
    throw new LocalError(
      'ETCD_MISSING',
      '`etcd` not found: install it (Debian: apt-get install etcd-server etcd-client)',
    );
  if (t.prometheus && !probe('prometheus', ['--version']))
    throw new LocalError(
      'PROMETHEUS_MISSING',
      '`prometheus` not found: install it (Debian: apt-get install prometheus)',
    );
}
