import { join, resolve } from 'node:path';

/**
 * Where everything the local topology writes lives (git-ignored). `MERIDIAN_HOME` overrides (the
 * test suites run their own topology under `.meridian-test`, see test/support/test-topology.ts).
 * The downloaded Kafka and registry jars are shared by every home: they never change once fetched.
 */
export class LocalPaths {
  readonly home: string;
  /** The default home, `<repo>/.meridian`: where the jars live, and the one topology shown in docs. */
  readonly defaultHome: string;
  constructor(
    readonly repoRoot: string,
    home = process.env.MERIDIAN_HOME,
  ) {
    this.defaultHome = join(repoRoot, '.meridian');
    this.home = resolve(home ?? this.defaultHome);
  }
  /** True for a home other than the default (its generated files stay inside it). */
  get isOwnHome(): boolean {
    return this.home !== resolve(this.defaultHome);
  }
  get pom(): string {
    return join(this.repoRoot, 'infra', 'kafka', 'pom.xml');
  }
  get registryPom(): string {
    return join(this.repoRoot, 'infra', 'registry', 'pom.xml');
  }
  get zipkinPom(): string {
    return join(this.repoRoot, 'infra', 'zipkin', 'pom.xml');
  }
  zipkinLibDir(version: string): string {
    return join(this.defaultHome, 'lib', `zipkin-${version}`);
  }
  registryLibDir(version: string): string {
    return join(this.defaultHome, 'lib', `apicurio-registry-${version}`);
  }
  registryDataDir(region: string): string {
    return join(this.home, 'data', region, 'registry');
  }
  libDir(kafkaVersion: string): string {
    return join(this.defaultHome, 'lib', `kafka-${kafkaVersion}`);
  }
  get runDir(): string {
    return join(this.home, 'run');
  }
  /** The dashboard's operator token (generated once, mode 0600, never committed or logged). */
  get operatorTokenFile(): string {
    return join(this.runDir, 'operator-token');
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
  /**
   * MirrorMaker 2 properties are rendered into the repository, beside the topologies, for the
   * default home; another home (another port block) keeps its own under its config folder.
   */
  /** Prometheus's config and rules, rendered like the MirrorMaker 2 properties (and its data dir). */
  prometheusConfigDir(topology: string): string {
    return this.isOwnHome
      ? join(this.configDir, 'prometheus', topology)
      : join(this.repoRoot, 'infra', 'prometheus', 'generated', topology);
  }
  get prometheusDataDir(): string {
    return join(this.home, 'data', 'prometheus');
  }
  mirrorMakerProperties(topology: string, target: string): string {
    const dir = this.isOwnHome
      ? join(this.configDir, 'mirrormaker', topology)
      : join(this.repoRoot, 'mirrormaker', 'generated', topology);
    return join(dir, `mm2-${target}.properties`);
  }
}
