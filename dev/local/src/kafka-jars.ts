import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalError } from './errors';
import type { LocalPaths } from './paths';
import { COMPLETE_MARKER, pomProperty } from './pom';
import { run } from './run';

/** The pinned Kafka version, read from the pom so there is one place to change it. */
export function kafkaVersion(paths: LocalPaths): string {
  return pomProperty(paths.pom, 'kafka.version');
}

export function kafkaClasspath(paths: LocalPaths): string {
  return join(paths.libDir(kafkaVersion(paths)), '*');
}

/**
 * Copies Kafka's broker, tools and MirrorMaker 2 jars (and their runtime dependencies) from Maven
 * Central into the git-ignored lib folder, once; Maven's own ~/.m2 cache makes a re-fetch cheap.
 */
export async function ensureKafkaJars(paths: LocalPaths, log: (msg: string) => void): Promise<string> {
  const version = kafkaVersion(paths);
  const dir = paths.libDir(version);
  if (existsSync(join(dir, COMPLETE_MARKER))) return dir;
  log(`fetching Apache Kafka ${version} jars from Maven Central into ${dir}`);
  let res: { code: number; output: string };
  try {
    res = await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        paths.pom,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${dir}`,
      ],
      paths.repoRoot,
    );
  } catch (cause) {
    throw new LocalError(
      'FETCH_FAILED',
      'cannot run `mvn`: install Apache Maven (Debian: apt-get install maven)',
      { cause },
    );
  }
  if (res.code !== 0) {
    throw new LocalError(
      'FETCH_FAILED',
      `mvn failed fetching Kafka ${version}:\n${res.output.slice(-4000)}`,
      { retriable: true },
    );
  }
  writeFileSync(join(dir, COMPLETE_MARKER), new Date().toISOString());
  return dir;
}
