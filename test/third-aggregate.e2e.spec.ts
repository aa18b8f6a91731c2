/**
 * A third aggregate type, added with nothing but its schemas and its model definition (the fixture
 * `dev/testing/src/fixtures/wishlist-model.ts`): an operator bootstraps it (`meridian models
 * bootstrap`), writers publish it with the public publisher, a projector serves it by `MODELS`, the
 * replication monitor measures its flows and projection, and a replay rebuilds it — no Meridian
 * code names it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { loadModels, type DefinedAggregate } from '@meridian/domain';
import { EventPublisher } from '@meridian/publisher';
import { replay } from '@meridian/replay';
import { ReplicationMonitor, type FlowFigures } from '@meridian/replication';
import { createProjectionStore } from '@meridian/store';
import { aggregateTopic, findRepoRoot } from '@meridian/topology';
import {
  localRegionEnv,
  meridian,
  SHIPPED_TOPOLOGY,
  uniqueName,
  waitFor,
  type LocalRegion,
} from '@meridian/testing';
import { ProjectorProcess, SHARED_MODELS } from './support/projector-process';
import { sqliteTestStore } from './support/stores';

const FIXTURE = join(findRepoRoot(), 'dist', 'dev', 'testing', 'src', 'fixtures', 'wishlist-model.js');
const MODELS = [...SHARED_MODELS, FIXTURE];
const { REGION, KAFKA_BROKERS, REGISTRY_URL } = localRegionEnv('us-east');
const US_EAST = { region: REGION, brokers: KAFKA_BROKERS, registryUrl: REGISTRY_URL };

describe('a third aggregate type by configuration alone (real Kafka, MirrorMaker 2, registry)', () => {
  const set = loadModels(MODELS);
  const wishlist = set.models.find((m) => m.aggregateType === 'wishlist') as DefinedAggregate;
  const store = sqliteTestStore('wishlist');
  const projector = new ProjectorProcess({
    name: 'wishlist-us-east',
    store,
    env: { MODELS: MODELS.join(',') },
  });
  const publishers = new Map<LocalRegion, EventPublisher>();
  let monitor: ReplicationMonitor | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'meridian-wishlist-'));

  beforeAll(async () => {
    // The operator's one step for a new type: its topic and schemas in every region.
    meridian('models', 'bootstrap', '--models', MODELS.join(','));
    for (const region of ['us-west', 'eu'] as const) {
      const env = localRegionEnv(region);
      const p = new EventPublisher({
        region,
        kafka: { brokers: env.KAFKA_BROKERS },
        registry: { url: env.REGISTRY_URL },
        schemas: set.schemas,
        metrics: new Registry(),
      });
      await p.connect();
      publishers.set(region, p);
    }
    await projector.start();
    await projector.waitHealthy();
  });

  afterAll(async () => {
    await monitor?.stop();
    for (const p of publishers.values()) await p.close();
    await projector.stop();
    await store.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const publish = (region: LocalRegion, id: string, event: string, input: Record<string, string>) =>
    (publishers.get(region) as EventPublisher).publish('wishlist', id, [wishlist.steps[event]!(input)], {
      correlationId: uniqueName('corr'),
      causationId: null,
    });

  it('publishes, mirrors, projects, monitors and replays it, with its merge rules deciding the conflicts', async () => {
    const id = uniqueName('wl');
    // Concurrent writes from two regions: two names, an add and a remove of one item, two priorities.
    await publish('us-west', id, 'WishAdded', { itemId: 'i-1' });
    await Promise.all([
      publish('us-west', id, 'WishlistRenamed', { name: 'Birthday' }),
      publish('eu', id, 'WishlistRenamed', { name: 'Anniversaire' }),
      publish('us-west', id, 'PriorityChanged', { itemId: 'i-1', priority: 'high' }),
      publish('eu', id, 'PriorityChanged', { itemId: 'i-1', priority: 'low' }),
      publish('eu', id, 'WishAdded', { itemId: 'i-2' }),
    ]);
    // eu removes i-2 (it saw its own add); us-west re-adds i-2 concurrently: add-wins keeps it.
    await Promise.all([
      publish('eu', id, 'WishRemoved', { itemId: 'i-2' }),
      publish('us-west', id, 'WishAdded', { itemId: 'i-2' }),
    ]);

    const view = await waitFor(
      async () => {
        const v = await projector.client.aggregate('wishlist', id);
        const total = v ? Object.values(v.version).reduce((a, b) => a + b, 0) : 0;
        return total === 8 ? v : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 200,
        description: `${id}: all 8 events mirrored into us-east and applied`,
      },
    );
    expect(view.view).toMatchObject({ items: ['i-1', 'i-2'], priority: { 'i-1': ['high', 'low'] } });
    expect(['Birthday', 'Anniversaire']).toContain(view.view?.name);
    // The LWW rule decided the name; the conflict feed keeps the loser, with origins, HLCs and why.
    const feed = await projector.client.conflicts('wishlist', id);
    expect(feed?.conflicts).toHaveLength(1);
    const [name] = feed!.conflicts;
    expect(name).toMatchObject({ field: 'name', winner: { value: view.view?.name } });
    expect(name!.losers.map((l) => l.value)).toEqual(
      ['Birthday', 'Anniversaire'].filter((n) => n !== view.view?.name),
    );
    expect(name!.winner.origin).not.toBe(name!.losers[0]!.origin);
    expect(name!.reason).toMatch(/wall clock|node id|value/);

    // The monitor measures the new type's flows and the projection of it (no lag once applied).
    const topology = { ...SHIPPED_TOPOLOGY, models: MODELS };
    monitor = new ReplicationMonitor({
      topology,
      rpoTargetMs: topology.rpoTargetMs,
      projectorUrls: { 'us-east': projector.client.baseUrl },
      projectedTopics: set.aggregateTypes.map((a) => aggregateTopic(a)),
      sampleIntervalMs: 100,
    });
    await monitor.start();
    const topic = aggregateTopic('wishlist');
    const flowInto = (source: string): FlowFigures | undefined =>
      monitor!.flows().find((f) => f.source === source && f.target === 'us-east');
    await waitFor(
      () =>
        (['us-west', 'eu'] as const).every((s) => {
          const parts = flowInto(s)?.partitions.filter((p) => p.topic === topic) ?? [];
          return (
            parts.length > 0 &&
            parts.every((p) => p.rpoRecords === 0 && p.projectionLagRecords === 0) &&
            parts.some((p) => p.projectionLagRecords !== undefined)
          );
        }),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        description: `${topic} sampled in us-west→us-east and eu→us-east with RPO 0 and projection lag 0`,
      },
    );

    // A replay of us-east's history with the same models rebuilds what the projector holds.
    const rebuilt = join(dir, 'rebuilt.db');
    const summary = await replay({
      ...US_EAST,
      store: { kind: 'sqlite', file: rebuilt },
      models: set,
      aggregateTypes: ['wishlist'],
      aggregateIds: [id],
    });
    expect(summary.applied).toBe(8);
    const s = createProjectionStore({ kind: 'sqlite', file: rebuilt });
    await s.init();
    try {
      expect((await s.getDocument('wishlist', id))?.digest).toBe(view.digest);
    } finally {
      await s.close();
    }
    // And a replay of every wishlist in us-east's history equals the projector's state of the type.
    const full = join(dir, 'full.db');
    await replay({
      ...US_EAST,
      store: { kind: 'sqlite', file: full },
      models: set,
      aggregateTypes: ['wishlist'],
    });
    const f = createProjectionStore({ kind: 'sqlite', file: full });
    await f.init();
    try {
      const live = (await (await fetch(`${projector.client.baseUrl}/digest?type=wishlist`)).json()) as {
        digest: string;
      };
      expect((await f.stateDigest('wishlist')).digest).toBe(live.digest);
    } finally {
      await f.close();
    }
  });
});
