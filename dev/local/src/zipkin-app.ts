import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalError } from './errors';
import type { LocalPaths } from './paths';
import { COMPLETE_MARKER, mavenCopy, pomProperty } from './pom';

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
  await mavenCopy(paths.zipkinPom, artifact, dir, paths.repoRoot);
  if (!existsSync(jar))
    throw new LocalError('FETCH_FAILED', `mvn copied ${artifact} but ${jar} is not there`);
  writeFileSync(join(dir, COMPLETE_MARKER), new Date().toISOString());
  return jar;
}
