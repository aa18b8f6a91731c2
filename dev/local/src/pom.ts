import { readFileSync } from 'node:fs';
import { LocalError } from './errors';
import { run } from './run';

/** Marks a fetched directory as complete: a fetch cut short is redone, never used half-done. */
export const COMPLETE_MARKER = '.complete';

/** A pinned version from a pom's `<properties>` (one place to change it), e.g. `kafka.version`. */
export function pomProperty(pom: string, name: string): string {
  const m = new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</${name.replace(/\./g, '\\.')}>`).exec(
    readFileSync(pom, 'utf8'),
  );
  if (!m?.[1]) throw new LocalError('FETCH_FAILED', `no <${name}> in ${pom}`);
  return m[1];
}

/** `mvn dependency:copy` of one artifact from Maven Central into `dir` (with `pom` pinning nothing else). */
export async function mavenCopy(pom: string, artifact: string, dir: string, cwd: string): Promise<void> {
  const copy = await run(
    'mvn',
    ['-q', '-B', '-f', pom, 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${dir}`],
    cwd,
  ).catch((cause: unknown) => {
    throw new LocalError('FETCH_FAILED', 'cannot run `mvn`: install Apache Maven', { cause });
  });
  if (copy.code !== 0) {
    throw new LocalError('FETCH_FAILED', `mvn failed fetching ${artifact}:\n${copy.output.slice(-4000)}`, {
      retriable: true,
    });
  }
}
