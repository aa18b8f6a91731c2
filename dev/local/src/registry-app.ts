import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalError } from './errors';
import type { LocalPaths } from './paths';
import { COMPLETE_MARKER, mavenCopy, pomProperty } from './pom';
import { run } from './run';

export function registryVersion(paths: LocalPaths): string {
  return pomProperty(paths.registryPom, 'apicurio.version');
}

/** The runnable jar inside the unpacked Apicurio app (its name differs between 3.x releases). */
export function registryJar(dir: string): string {
  const candidates = ['quarkus-run.jar', ...readdirSync(dir).filter((f) => f.endsWith('-runner.jar'))];
  const jar = candidates.find((f) => existsSync(join(dir, f)));
  if (!jar) throw new LocalError('FETCH_FAILED', `no runnable jar in ${dir}; delete it and retry`);
  return join(dir, jar);
}

/** Copies Apicurio Registry's app archive from Maven Central (once) and unpacks it. */
export async function ensureRegistryApp(paths: LocalPaths, log: (msg: string) => void): Promise<string> {
  const version = registryVersion(paths);
  const dir = paths.registryLibDir(version);
  if (existsSync(join(dir, COMPLETE_MARKER))) return registryJar(dir);
  log(`fetching Apicurio Registry ${version} from Maven Central into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const artifact = `io.apicurio:apicurio-registry-app:${version}:tar.gz:all`;
  await mavenCopy(paths.registryPom, artifact, dir, paths.repoRoot);
  const archive = join(dir, `apicurio-registry-app-${version}-all.tar.gz`);
  const untar = await run('tar', ['xzf', archive, '-C', dir], dir);
  if (untar.code !== 0) throw new LocalError('FETCH_FAILED', `unpacking ${archive} failed:\n${untar.output}`);
  rmSync(archive);
  writeFileSync(join(dir, COMPLETE_MARKER), new Date().toISOString());
  return registryJar(dir);
}
