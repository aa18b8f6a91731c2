import { join, resolve } from 'node:path';

/** Where everything the local topology writes lives (git-ignored). `MERIDIAN_HOME` overrides. */
export class LocalPaths {
  readonly home: string;
  constructor(
    readonly repoRoot: string,
    home = process.env.MERIDIAN_HOME,
  ) {
    this.home = resolve(home ?? join(repoRoot, '.meridian'));
  }
  get pom(): string {
    return join(this.repoRoot, 'infra', 'kafka', 'pom.xml');
  }
  get registryPom(): string {
    return join(this.repoRoot, 'infra', 'registry', 'pom.xml');
  }
  registryLibDir(version: string): string {
    return join(this.home, 'lib', `apicurio-registry-${version}`);
  }
  registryDataDir(region: string): string {
    return join(this.home, 'data', region, 'registry');
  }
  libDir(kafkaVersion: string): string {
    return join(this.home, 'lib', `kafka-${kafkaVersion}`);
  }
  get runDir(): string {
    return join(this.home, 'run');
  }
  get stateFile(): string {
    return join(this.runDir, 'state.json');
  }
  get logsDir(): string {
    return join(this.home, 'logs');
  }
  get configDir(): string {
    return join(this.home, 'config');
  }
  etcdDataDir(region: string): string {
    return join(this.home, 'data', region, 'etcd');
  }
  /** The compiled WAN process (dev/wan/src/main.ts), started by `up` for topologies with a `wan`. */
  get wanScript(): string {
    return join(this.repoRoot, 'dist', 'dev', 'wan', 'src', 'main.js');
  }
  dataDir(region: string): string {
    return join(this.home, 'data', region, 'kafka');
  }
  /** MirrorMaker 2 properties are rendered into the repository, beside the topologies. */
  mirrorMakerProperties(topology: string, target: string): string {
    return join(this.repoRoot, 'mirrormaker', 'generated', topology, `mm2-${target}.properties`);
  }
}
