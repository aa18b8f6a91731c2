import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadTopology,
  mirroredHeartbeatsTopic,
  mirrorTargets,
  parseTopology,
  remoteTopicName,
  sourceRegionOf,
  deadLetterTopic,
  renderBrokerProperties,
  renderMirrorMakerProperties,
  TopologyError,
} from '@meridian/topology';

const repoRoot = join(__dirname, '..', '..', '..');

describe('shipped topologies', () => {
  it('active-active is a full mesh of the three regions', () => {
    const t = loadTopology('active-active', repoRoot);
    expect(t.regions.map((r) => r.name)).toEqual(['us-east', 'us-west', 'eu']);
    expect(t.flows).toHaveLength(6);
    for (const a of t.regions)
      for (const b of t.regions) if (a !== b) expect(t.flows).toContainEqual({ from: a.name, to: b.name });
  });

  it('active-passive mirrors us-east into us-west only', () => {
    const t = loadTopology('active-passive', repoRoot);
    expect(t.flows).toEqual([{ from: 'us-east', to: 'us-west' }]);
  });

  it.each(['active-active', 'active-passive'])(
    'the committed MirrorMaker 2 properties of %s are current',
    (name) => {
      const t = loadTopology(name, repoRoot);
      for (const target of mirrorTargets(t)) {
        const committed = readFileSync(
          join(repoRoot, 'mirrormaker', 'generated', name, `mm2-${target}.properties`),
          'utf8',
        );
        expect(committed).toBe(renderMirrorMakerProperties(t, target));
      }
    },
  );
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
    expect(() => loadTopology('nope', repoRoot)).toThrow(/topology "nope" not found/);
  });
});

describe('rendering', () => {
  const t = loadTopology('active-active', repoRoot);

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
    const p = renderBrokerProperties(t.regions[0]!, { dataDir: '/d' });
    expect(p).toContain('process.roles = broker,controller');
    expect(p).toContain('controller.quorum.voters = 1@127.0.0.1:19093');
    expect(p).toContain('advertised.listeners = PLAINTEXT://127.0.0.1:19092');
    expect(p).toContain('log.dirs = /d');
    expect(p).toContain('offsets.topic.replication.factor = 1');
  });
});

describe('port choice', () => {
  it.each(['active-active', 'active-passive'])('%s listens only below the ephemeral port range', (name) => {
    // An outgoing connection may take any port in 32768–60999 and block a later listen (EADDRINUSE).
    const t = loadTopology(name, repoRoot);
    const ports = t.regions.flatMap((r) => [
      r.kafka.port,
      r.kafka.controllerPort,
      r.registry?.port,
      r.profileService?.port,
      r.projector?.port,
    ]);
    for (const p of [...ports, t.monitor?.port]) if (p !== undefined) expect(p).toBeLessThan(32768);
  });
});
