import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadTopology,
  renderAlertRules,
  renderPrometheusConfig,
  MAX_PORT_OFFSET,
  mirrorPlacementFromEnv,
  portOffsetFromEnv,
  mirroredHeartbeatsTopic,
  mirrorProcess,
  mirrorRegions,
  mirrorRenderName,
  parseTopology,
  remoteTopicName,
  sourceRegionOf,
  deadLetterTopic,
  renderBrokerProperties,
  brokerWanListenerPort,
  etcdPeerProxyPort,
  reachBootstrap,
  wanLinks,
  wanProxyPlan,
  wanProxyPort,
  renderMirrorMakerProperties,
  TopologyError,
  region,
} from '@meridian/topology';

const repoRoot = join(__dirname, '..', '..', '..');

/** The shipped ports, whatever port block this environment runs on (MERIDIAN_PORT_OFFSET). */
const AS_SHIPPED = { portOffset: 0 };

describe('shipped topologies', () => {
  it('active-active is a full mesh of the three regions', () => {
    const t = loadTopology('active-active', repoRoot, AS_SHIPPED);
    expect(t.regions.map((r) => r.name)).toEqual(['us-east', 'us-west', 'eu']);
    expect(t.flows).toHaveLength(6);
    for (const a of t.regions)
      for (const b of t.regions) if (a !== b) expect(t.flows).toContainEqual({ from: a.name, to: b.name });
  });

  it('active-passive has one primary, a quorum member per region, and a full mesh for whoever is promoted', () => {
    const t = loadTopology('active-passive', repoRoot, AS_SHIPPED);
    expect(t.failover).toMatchObject({ primary: 'us-east', mode: 'automatic' });
    expect(t.regions.every((r) => r.etcd)).toBe(true);
    expect(t.flows).toHaveLength(6);
  });

  it('gives MirrorMaker 2 its Connect worker settings under the target prefix, where it reads them', () => {
    // MirrorMakerConfig.workerConfig takes `<target>.` settings (and a few storage prefixes) only:
    // an unprefixed offset.flush.interval.ms left Connect's 60 s between offset-syncs of quiet flows.
    const t = loadTopology('active-active', repoRoot, AS_SHIPPED);
    const props = renderMirrorMakerProperties(t, 'eu').split('\n');
    expect(props).toContain('eu.offset.flush.interval.ms = 2000');
    expect(props).toContain('eu.scheduled.rebalance.max.delay.ms = 0');
    expect(props.filter((l) => /^(offset\.flush|scheduled\.rebalance)/.test(l))).toEqual([]);
  });

  it.each([
    ['active-active', 'target'],
    ['active-passive', 'target'],
    ['active-active', 'source'],
    ['active-passive', 'source'],
  ] as const)(
    'the committed MirrorMaker 2 properties of %s (placement %s) are current',
    (name, placement) => {
      const t = loadTopology(name, repoRoot, { ...AS_SHIPPED, mirrorPlacement: placement });
      for (const region of mirrorRegions(t)) {
        const committed = readFileSync(
          join(repoRoot, 'mirrormaker', 'generated', mirrorRenderName(t), `mm2-${region}.properties`),
          'utf8',
        );
        expect(committed).toBe(renderMirrorMakerProperties(t, region));
      }
    },
  );
});

describe('Prometheus renders', () => {
  it.each(['active-active', 'active-passive'])(
    'the committed Prometheus config and rules of %s are current',
    (name) => {
      const t = loadTopology(name, repoRoot, AS_SHIPPED);
      const dir = join(repoRoot, 'infra', 'prometheus', 'generated', name);
      expect(readFileSync(join(dir, 'prometheus.yml'), 'utf8')).toBe(renderPrometheusConfig(t));
      expect(readFileSync(join(dir, 'rules.yml'), 'utf8')).toBe(renderAlertRules(t));
    },
  );

  it('scrapes every process of the topology, labelled by region, and takes its thresholds from it', () => {
    const t = loadTopology('active-active', repoRoot, AS_SHIPPED);
    const config = renderPrometheusConfig(t);
    for (const port of [18090, 28090, 31090, 18070, 28070, 31070, 18091, 28091, 31091, 19100, 18000])
      expect(config).toContain(`127.0.0.1:${port}`);
    const rules = renderAlertRules({ ...t, rpoTargetMs: 250 });
    expect(rules).toContain('(meridian_rpo_seconds) > 0.25');
    expect(() => renderPrometheusConfig({ ...t, prometheus: undefined })).toThrow(/no prometheus section/);
  });
});

describe('topology validation', () => {
  const base = {
    name: 'x',
    regions: [
      { name: 'a', kafka: { port: 10001, controllerPort: 10002 } },
      { name: 'b', kafka: { port: 10003, controllerPort: 10004 } },
    ],
    flows: [{ from: 'a', to: 'b' }],
  };

  it('accepts a valid topology and fills defaults', () => {
    const t = parseTopology(base);
    expect(t.mirror.refreshTopicsIntervalSeconds).toBe(5);
    expect(t.regions[0]!.kafka.heapMb).toBe(512);
  });

  it.each([
    [{ ...base, flows: [{ from: 'a', to: 'zz' }] }, 'flows.0.to: unknown region "zz"'],
    [{ ...base, flows: [{ from: 'a', to: 'a' }] }, 'flows.0: a region cannot mirror into itself'],
    [
      { ...base, regions: [base.regions[0], { name: 'b', kafka: { port: 10001, controllerPort: 10005 } }] },
      'regions.1.kafka.port: port 10001 is already used by a kafka.port',
    ],
    [
      { ...base, regions: [{ name: 'A_b', kafka: { port: 10001, controllerPort: 10002 } }] },
      'regions.0.name',
    ],
    [
      { ...base, regions: [{ name: 'a', kafka: { port: 80, controllerPort: 10002 } }] },
      'regions.0.kafka.port',
    ],
    [{ ...base, mirror: { topics: '(' } }, 'mirror.topics: not a valid regex'],
  ])('rejects a bad topology naming the field (%#)', (raw, field) => {
    expect(() => parseTopology(raw)).toThrow(TopologyError);
    expect(() => parseTopology(raw)).toThrow(field);
  });

  it('names a missing topology and what is available', () => {
    expect(() => loadTopology('nope', repoRoot, AS_SHIPPED)).toThrow(/topology "nope" not found/);
  });

  it('moves every port by the port block (MERIDIAN_PORT_OFFSET), and refuses a malformed one by name', () => {
    const base = loadTopology('active-active', repoRoot, AS_SHIPPED);
    const moved = loadTopology('active-active', repoRoot, { portOffset: 500 });
    const portsOf = (t: typeof base): number[] => [
      ...t.regions.flatMap((r) => [
        r.kafka.port,
        r.kafka.controllerPort,
        r.registry!.port,
        r.profileService!.port,
        r.projector!.port,
        r.etcd!.clientPort,
        r.etcd!.peerPort,
        r.wanPortBase!,
      ]),
      t.monitor!.port,
      t.gateway!.port,
      t.wan!.controlPort,
    ];
    expect(portsOf(moved)).toEqual(portsOf(base).map((p) => p + 500));
    expect(portOffsetFromEnv({})).toBe(0);
    expect(portOffsetFromEnv({ MERIDIAN_PORT_OFFSET: '500' })).toBe(500);
    for (const bad of ['-1', '1.5', 'ten', String(MAX_PORT_OFFSET + 1)])
      expect(() => portOffsetFromEnv({ MERIDIAN_PORT_OFFSET: bad })).toThrow(/MERIDIAN_PORT_OFFSET must be/);
  });
});

describe('rendering', () => {
  const t = loadTopology('active-active', repoRoot, AS_SHIPPED);

  it('enables exactly the inbound flows of the target and lists every cluster', () => {
    const eu = renderMirrorMakerProperties(t, 'eu');
    expect(eu).toContain('clusters = us-east, us-west, eu');
    expect(eu).toContain('us-east->eu.enabled = true');
    expect(eu).toContain('us-west->eu.enabled = true');
    expect(eu).not.toMatch(/eu->[a-z-]+\.enabled/);
    expect(eu).toContain(
      'replication.policy.class = org.apache.kafka.connect.mirror.DefaultReplicationPolicy',
    );
    expect(eu).toContain('us-east.producer.linger.ms = 0');
    // Java .properties: the regex backslash is escaped.
    expect(eu).toContain('topics = meridian\\\\..*');
  });

  it('the topic filter matches local topics only, so remote copies never take a second hop', () => {
    const filter = new RegExp(`^(?:${t.mirror.topics})$`);
    expect(filter.test('meridian.events')).toBe(true);
    expect(filter.test(remoteTopicName('us-east', 'meridian.events'))).toBe(false);
    expect(mirroredHeartbeatsTopic('eu')).toBe('eu.heartbeats');
    expect(sourceRegionOf(remoteTopicName('us-west', 'meridian.profile'), 'eu')).toBe('us-west');
    expect(sourceRegionOf('meridian.profile', 'eu')).toBe('eu');
    expect(filter.test(deadLetterTopic('eu'))).toBe(false); // dead letters stay in their region
  });

  it('renders a single-node KRaft broker', () => {
    const p = renderBrokerProperties(t, t.regions[0]!, { dataDir: '/d' });
    expect(p).toContain('process.roles = broker,controller');
    expect(p).toContain('controller.quorum.voters = 1@127.0.0.1:19093');
    expect(p).toContain('advertised.listeners = PLAINTEXT://127.0.0.1:19092,');
    expect(p).toContain('log.dirs = /d');
    expect(p).toContain('offsets.topic.replication.factor = 1');
  });
});

describe('the WAN between regions', () => {
  const t = loadTopology('active-active', repoRoot, AS_SHIPPED);

  it("a broker listens once per remote region and advertises that link's proxy there", () => {
    const p = renderBrokerProperties(t, region(t, 'us-east'), { dataDir: '/d' });
    // us-west's clients reach us-east's broker through the proxy of link us-west -> us-east.
    const proxy = wanProxyPort(t, 'us-west', 'us-east', 'kafka');
    const listener = brokerWanListenerPort(t, 'us-east', 'us-west');
    expect(p).toContain(`WAN_US_WEST://127.0.0.1:${listener}`);
    expect(p).toMatch(new RegExp(`advertised.listeners = .*WAN_US_WEST://127.0.0.1:${proxy}`));
    expect(p).toContain('WAN_US_WEST:PLAINTEXT');
    const plan = wanProxyPlan(t).find(
      (x) => x.link.from === 'us-west' && x.link.to === 'us-east' && x.service === 'kafka',
    );
    expect(plan).toEqual({
      link: { from: 'us-west', to: 'us-east' },
      service: 'kafka',
      listenPort: proxy,
      targetPort: listener,
    });
  });

  it('MirrorMaker 2 dials remote clusters through the WAN and its own cluster directly', () => {
    const west = renderMirrorMakerProperties(t, 'us-west');
    expect(west).toContain(
      `us-east.bootstrap.servers = 127.0.0.1:${wanProxyPort(t, 'us-west', 'us-east', 'kafka')}`,
    );
    expect(west).toContain('us-west.bootstrap.servers = 127.0.0.1:29092');
    expect(reachBootstrap(t, 'eu', 'eu')).toBe('127.0.0.1:31092');
  });

  describe('placement source: each region mirrors its own topics out', () => {
    const src = loadTopology('active-active', repoRoot, { ...AS_SHIPPED, mirrorPlacement: 'source' });
    it('runs the flows out of its region, one herder per target, and owns no other pair', () => {
      expect(mirrorProcess(src, 'us-east')).toEqual({
        region: 'us-east',
        clusters: ['us-west', 'eu'],
        flows: [
          { from: 'us-east', to: 'us-west' },
          { from: 'us-east', to: 'eu' },
        ],
      });
      const east = renderMirrorMakerProperties(src, 'us-east').split('\n');
      expect(east.filter((l) => /->.*\.enabled = true$/.test(l))).toEqual([
        'us-east->us-west.enabled = true',
        'us-east->eu.enabled = true',
      ]);
      // The pairs into its targets from other regions would share their owners' Connect groups.
      expect(east.filter((l) => l.includes('emit.heartbeats.enabled = false')).sort()).toEqual([
        'eu->us-west.emit.heartbeats.enabled = false',
        'us-west->eu.emit.heartbeats.enabled = false',
      ]);
      expect(east).toContain('us-west.offset.flush.interval.ms = 2000');
      expect(east).toContain('eu.offset.flush.interval.ms = 2000');
    });
    it('consumes its own cluster directly and produces to the targets through the WAN', () => {
      const east = renderMirrorMakerProperties(src, 'us-east');
      expect(east).toContain('us-east.bootstrap.servers = 127.0.0.1:19092');
      expect(east).toContain(
        `eu.bootstrap.servers = 127.0.0.1:${wanProxyPort(src, 'us-east', 'eu', 'kafka')}`,
      );
      expect(mirrorRenderName(src)).toBe('active-active.mirror-at-source');
    });
    it('every flow is run by exactly one process under either placement', () => {
      for (const placement of ['target', 'source'] as const) {
        const x = loadTopology('active-active', repoRoot, { ...AS_SHIPPED, mirrorPlacement: placement });
        const run = mirrorRegions(x).flatMap((r) =>
          mirrorProcess(x, r).flows.map((f) => `${f.from}->${f.to}`),
        );
        expect(run.sort()).toEqual(x.flows.map((f) => `${f.from}->${f.to}`).sort());
      }
    });
    it('is refused where a region mirrors out but receives no flow (no heartbeats would reach it)', () => {
      expect(() =>
        parseTopology({
          name: 'x',
          regions: [
            { name: 'a', kafka: { port: 10001, controllerPort: 10002 } },
            { name: 'b', kafka: { port: 10003, controllerPort: 10004 } },
          ],
          flows: [{ from: 'a', to: 'b' }],
          mirror: { placement: 'source' },
        }),
      ).toThrow(/mirror\.placement: source needs a flow into every region that mirrors out \(a has none\)/);
    });
    it('MERIDIAN_MIRROR_PLACEMENT must name a placement', () => {
      expect(() => mirrorPlacementFromEnv({ MERIDIAN_MIRROR_PLACEMENT: 'sauce' })).toThrow(
        /MERIDIAN_MIRROR_PLACEMENT must be target or source/,
      );
      expect(mirrorPlacementFromEnv({})).toBeUndefined();
    });
  });

  it('six directed links, each with its own proxy per service', () => {
    expect(wanLinks(t)).toHaveLength(6);
    const ports = wanProxyPlan(t).map((x) => x.listenPort);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('a region without wanPortBase is refused when the topology has a wan', () => {
    expect(() =>
      parseTopology({
        name: 'x',
        wan: { controlPort: 10900 },
        regions: [{ name: 'a', kafka: { port: 10001, controllerPort: 10002 } }],
      }),
    ).toThrow('regions.0.wanPortBase: required');
  });

  it('failover needs an etcd member in every region and a known primary', () => {
    const base = { name: 'x', regions: [{ name: 'a', kafka: { port: 10001, controllerPort: 10002 } }] };
    expect(() => parseTopology({ ...base, failover: { primary: 'b' } })).toThrow(
      'failover.primary: unknown region "b"',
    );
    expect(() => parseTopology({ ...base, failover: { primary: 'a' } })).toThrow('regions.0.etcd: required');
  });
});

describe('port choice', () => {
  it.each(['active-active', 'active-passive'])('%s listens only below the ephemeral port range', (name) => {
    // An outgoing connection may take any port in 32768–60999 and block a later listen (EADDRINUSE).
    const t = loadTopology(name, repoRoot, AS_SHIPPED);
    const ports = t.regions.flatMap((r) => [
      r.kafka.port,
      r.kafka.controllerPort,
      r.registry?.port,
      r.profileService?.port,
      r.projector?.port,
      r.etcd?.clientPort,
      r.etcd?.peerPort,
      r.etcd ? etcdPeerProxyPort(r) : undefined,
    ]);
    const wan = wanProxyPlan(t).flatMap((x) => [x.listenPort, x.targetPort]);
    for (const p of [...ports, ...wan, t.monitor?.port, t.gateway?.port, t.wan?.controlPort])
      if (p !== undefined) expect(p).toBeLessThan(32768);
  });
});
