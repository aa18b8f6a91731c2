import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalError } from './errors';
import type { LocalPaths } from './paths';
import { COMPLETE_MARKER, pomProperty } from './pom';
import { run } from './run';

export function zipkinVersion(paths: LocalPaths): string {
  return pomProperty(paths.zipkinPom, 'zipkin.version');
}

/** Copies Zipkin's executable jar from Maven Central (once); returns its path. */
export async function ensureZipkinJar(paths: LocalPaths, log: (msg: string) => void): Promise<string> {
  const version = zipkinVersion(paths);
  const dir = paths.zipkinLibDir(version);
  const jar = join(dir, `zipkin-server-${version}-exec.jar`);
  if (existsSync(join(dir, COMPLETE_MARKER)) && existsSync(jar)) return jar;
  log(`fetching Zipkin ${version} from Maven Central into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const artifact = `io.zipkin:zipkin-server:${version}:jar:exec`;
  const copy = await run(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      paths.zipkinPom,
      'dependency:copy',
      `-Dartifact=${artifact}`,
      `-DoutputDirectory=${dir}`,
    ],
    paths.repoRoot,
  ).catch((cause: unknown) => {
    throw new LocalError('FETCH_FAILED', 'cannot run `mvn`: install Apache Maven', { cause });
  });
  if (copy.code !== 0 || !existsSync(jar)) {
    throw new LocalError('FETCH_FAILED', `mvn failed fetching ${artifact}:\n${copy.output.slice(-4000)}`, {
      retriable: true,
    });
  }
  writeFileSync(join(dir, COMPLETE_MARKER), new Date().toISOString());
  return jar;
}
