/**
 * Rebuild from the topics: a projector with an empty store, once caught up, holds exactly the state
 * of the shared us-east projector (same `/digest`), and deleting its store and starting again yields
 * the same digest — in SQLite and in PostgreSQL, which agree with each other too. Digests are compared
 * only at one point of the source topics (every projector at the same log-end offsets, unmoved while
 * the digests were read), since other writers may share the local topology.
 */
import { existsSync } from 'node:fs';
import {
  type AgreedSnapshot,
  digestsAtSameOffsets,
  ProjectorClient,
  ProjectorProcess,
  sameEnds,
  SHARED_PROJECTOR_URL,
} from './support/projector-process';
import { sqliteTestStore, postgresTestStore, type TestStore } from './support/stores';

const shared = new ProjectorClient(SHARED_PROJECTOR_URL);

function describeSnapshot(s: AgreedSnapshot): string {
  const total = [...s.ends.values()].reduce((a, b) => a + b, 0n);
  return `${s.ends.size} partitions, ${total} records: ${s.digests.map((d) => `${d.digest.slice(0, 12)}… (${d.aggregates})`).join(' / ')}`;
}

/** Builds from scratch, compares with the shared projector, wipes the store, rebuilds, compares again. */
async function buildTwice(label: string, p: ProjectorProcess, store: TestStore): Promise<AgreedSnapshot> {
  const t0 = Date.now();
  await p.start();
  await p.waitHealthy();
  await p.waitCaughtUp(180_000);
  const first = await digestsAtSameOffsets(() => p.endOffsets(), [p.client, shared]);
  console.log(`[rebuild ${label}] built in ${Date.now() - t0} ms; own / shared: ${describeSnapshot(first)}`);
  expect(first.digests[0]?.aggregates).toBeGreaterThan(0);
  expect(first.digests[0]).toEqual(first.digests[1]);

  await p.stop();
  await store.wipe();
  if (store.kind === 'sqlite') expect(existsSync(store.label)).toBe(false);
  const t1 = Date.now();
  await p.start();
  await p.waitHealthy();
  await p.waitCaughtUp(180_000);
  const again = await digestsAtSameOffsets(() => p.endOffsets(), [p.client, shared]);
  console.log(
    `[rebuild ${label}] rebuilt in ${Date.now() - t1} ms; own / shared: ${describeSnapshot(again)}`,
  );
  expect(again.digests[0]).toEqual(again.digests[1]);
  if (sameEnds(first.ends, again.ends)) expect(again.digests[0]).toEqual(first.digests[0]);
  else
    console.log(
      `[rebuild ${label}] the topics grew between the builds: compared with the shared projector only`,
    );
  return again;
}

describe('projector rebuild from the topics', () => {
  const sqliteStore = sqliteTestStore('rebuild');
  const pgStore = postgresTestStore('rebuild');
  const sqlite = new ProjectorProcess({ name: 'rebuild-sqlite', store: sqliteStore });
  const postgres = new ProjectorProcess({ name: 'rebuild-postgres', store: pgStore });

  afterAll(async () => {
    await sqlite.dispose();
    await postgres.dispose();
  });

  it('SQLite: an empty store catches up to the shared digest, and a wiped one to the same again', async () => {
    await buildTwice('sqlite', sqlite, sqliteStore);
  }, 600_000);

  it('PostgreSQL: the same, and equal to the SQLite digest', async () => {
    await buildTwice('postgres', postgres, pgStore);
    const all = await digestsAtSameOffsets(
      () => postgres.endOffsets(),
      [sqlite.client, postgres.client, shared],
    );
    console.log(`[rebuild] sqlite / postgres / shared: ${describeSnapshot(all)}`);
    expect(all.digests[1]).toEqual(all.digests[0]);
    expect(all.digests[2]).toEqual(all.digests[0]);
  }, 600_000);
});
