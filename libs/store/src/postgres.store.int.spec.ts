/**
 * The PostgreSQL adapter against a real server (127.0.0.1:5432, database `test`, trust auth; override
 * with MERIDIAN_TEST_PG_URL). Every store gets its own schema, named after this run; all of them are
 * dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { canonicalEncode } from '@meridian/merge';
import { waitFor } from '@meridian/testing';
import {
  bigState,
  conflictedState,
  describeStoreContract,
  doc,
  pos,
  sampleDocuments,
} from './store-contract.spec-helper';
import { PostgresProjectionStore, SqliteProjectionStore, type ProjectionStore } from './index';
import { writerLockKey } from './postgres.store';

const URL = process.env.MERIDIAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN = `meridian_test_${randomUUID().slice(0, 8)}`;
const admin = new Pool({ connectionString: URL, max: 3 });
const schemas: string[] = [];

function newSchema(): string {
  const s = `${RUN}_${schemas.length + 1}`;
  schemas.push(s);
  return s;
}

function pgStore(schema: string, extra: { statementTimeoutMs?: number } = {}): PostgresProjectionStore {
  return new PostgresProjectionStore({ kind: 'postgres', connectionString: URL, schema, ...extra });
}

afterAll(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await admin.end();
});

describeStoreContract('postgres', async () => {
  const schema = newSchema();
  return {
    store: pgStore(schema),
    peer: () => pgStore(schema),
    tamperState: async (type, id, text) => {
      await admin.query(
        `UPDATE "${schema}".documents SET state = $1 WHERE aggregate_type = $2 AND aggregate_id = $3`,
        [text, type, id],
      );
    },
  };
});

describe('PostgresProjectionStore', () => {
  const open: ProjectionStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  function track<T extends ProjectionStore>(s: T): T {
    open.push(s);
    return s;
  }

  it('gives the same digests as the SQLite adapter for the same content', async () => {
    const pg = track(pgStore(newSchema()));
    const lite = track(new SqliteProjectionStore({ kind: 'sqlite', file: ':memory:' }));
    await Promise.all([pg.init(), lite.init()]);
    const docs = [
      ...sampleDocuments(),
      ...Array.from({ length: 1_500 }, (_, i) => doc('order', `o-${i}`, bigState(i))),
    ];
    // Different batching and order on each side: the digest depends on content only.
    for (let i = 0; i < docs.length; i += 400)
      await pg.commit({ documents: docs.slice(i, i + 400), positions: [] });
    await lite.commit({ documents: [...docs].reverse(), positions: [] });

    expect(await pg.stateDigest()).toEqual(await lite.stateDigest());
    for (const type of ['profile', 'Profile', 'order'])
      expect(await pg.stateDigest(type)).toEqual(await lite.stateDigest(type));
    expect(await pg.aggregateDigests('profile', { limit: 5, afterId: 'a b' })).toEqual(
      await lite.aggregateDigests('profile', { limit: 5, afterId: 'a b' }),
    );
  });

  it('commits a batch in one round trip, as a named prepared statement', async () => {
    const s = track(pgStore(newSchema()));
    await s.init();
    await s.commit({ documents: [doc('profile', 'a', 1)], positions: [pos(0, 1)], counters: { applied: 1 } });
    // Every query of node-postgres is at least one round trip (it waits for the server's answer).
    const spy = jest.spyOn(Client.prototype, 'query');
    try {
      await s.commit({
        // Multi-byte states before others: the server slices the states' buffer by byte offsets.
        documents: [doc('profile', 'a', 'grüße ✓'), doc('profile', 'b', '𝄞'), doc('profile', 'c', 3)],
        positions: [pos(0, 2), pos(1, 1)],
        counters: { applied: 3 },
      });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![0]).toMatchObject({ name: expect.stringMatching(/^meridian_commit/) });
    } finally {
      spy.mockRestore();
    }
    expect((await s.getDocument('profile', 'a'))?.state).toBe('grüße ✓');
    expect((await s.getDocument('profile', 'b'))?.state).toBe('𝄞');
    expect((await s.getDocument('profile', 'c'))?.state).toBe(3);
    expect(await s.stats()).toMatchObject({ applied: 4, aggregates: 3 });
  });

  it('stores the canonical encoding byte for byte (text, not jsonb)', async () => {
    const schema = newSchema();
    const s = track(pgStore(schema));
    await s.init();
    const state = { b: 1, a: { big: 12n, f: 1e21, s: 'é\u{1F600}' } };
    await s.commit({ documents: [doc('profile', 'p', state)], positions: [] });
    const r = await admin.query<{ state: string }>(`SELECT state FROM "${schema}".documents`);
    expect(r.rows[0]?.state).toBe(canonicalEncode(state));
  });

  it('rolls back documents written before a statement that fails mid-transaction', async () => {
    const schema = newSchema();
    const s = track(pgStore(schema, { statementTimeoutMs: 300 }));
    await s.init();
    await s.commit({ documents: [doc('profile', 'a', 1)], positions: [pos(0, 1)], counters: { applied: 1 } });
    // Another session holds the positions table: the document upsert succeeds, the position upsert
    // after it waits and hits the statement timeout, so the whole commit must roll back.
    const blocker = await admin.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${schema}".positions IN ACCESS EXCLUSIVE MODE`);
      await expect(
        s.commit({
          documents: [doc('profile', 'a', 2), doc('profile', 'b', 1)],
          positions: [pos(0, 2)],
          counters: { applied: 1 },
        }),
      ).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
        retriable: true,
        cause: expect.objectContaining({ code: '57014' }),
      });
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    expect((await s.getDocument('profile', 'a'))?.state).toBe(1);
    expect(await s.getDocument('profile', 'b')).toBeUndefined();
    expect(await s.stats()).toMatchObject({ applied: 1, aggregates: 1 });
    expect((await s.positions())[0]?.nextOffset).toBe('1');
    // Retriable indeed: the same commit now succeeds.
    await s.commit({
      documents: [doc('profile', 'a', 2), doc('profile', 'b', 1)],
      positions: [pos(0, 2)],
      counters: { applied: 1 },
    });
    expect(await s.stats()).toMatchObject({ applied: 2, aggregates: 2 });
  });

  it('survives its pooled connections being terminated by the server', async () => {
    const schema = newSchema();
    const s = track(pgStore(schema));
    await s.init();
    await s.commit({ documents: [doc('profile', 'a', 1)], positions: [pos(0, 1)] });
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
      [`meridian-store:${schema}`],
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    // The broken idle clients are dropped from the pool (the process must not crash on their
    // 'error' event); a call may see the broken connection once, and then reconnects.
    const attempt = async (): Promise<unknown> =>
      s.commit({ documents: [doc('profile', 'a', 2)], positions: [pos(0, 2)] });
    const first = await attempt().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (first !== undefined) {
      expect(first).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
      await attempt();
    }
    expect((await s.getDocument('profile', 'a'))?.state).toBe(2);
  });

  it('counts the conflicts a schema built before the counter already holds, once, when it migrates', async () => {
    const schema = newSchema();
    const a = pgStore(schema);
    await a.init();
    await a.commit({
      documents: [doc('profile', 'p', conflictedState())],
      positions: [pos(0, 2)],
    });
    await a.close();
    // Back to the schema before the counter: no row, version 1.
    await admin.query(`DELETE FROM "${schema}".counters WHERE name = 'lww_conflicts'`);
    await admin.query(`UPDATE "${schema}".store_meta SET value = '1' WHERE key = 'schema_version'`);
    for (let i = 0; i < 2; i++) {
      const b = pgStore(schema);
      await b.init(); // the second init finds it migrated: not counted again
      expect((await b.stats()).lwwConflicts).toBe(1);
      await b.close();
    }
  });

  it('refuses a schema migrated by a newer version (SCHEMA_MISMATCH)', async () => {
    const schema = newSchema();
    const s = track(pgStore(schema));
    await s.init();
    await admin.query(`UPDATE "${schema}".store_meta SET value = '99' WHERE key = 'schema_version'`);
    const again = track(pgStore(schema));
    await expect(again.init()).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', retriable: false });
  });

  it('lets several processes init the same schema at once: one writer, the others refused', async () => {
    const schema = newSchema();
    const stores = Array.from({ length: 4 }, () => track(pgStore(schema)));
    const results = await Promise.allSettled(stores.map((s) => s.init()));
    const writer = stores[results.findIndex((r) => r.status === 'fulfilled')];
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason),
    ).toEqual([expect.objectContaining({ code: 'STORE_LOCKED' }), expect.anything(), expect.anything()]);
    // The migration itself was not disturbed by the race.
    expect(await writer?.stats()).toEqual({
      applied: 0,
      deadLettered: 0,
      duplicates: 0,
      lwwConflicts: 0,
      aggregates: 0,
    });
  });

  function terminateLockSession(schema: string): Promise<unknown> {
    return admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [
      `meridian-store-writer:${schema}`,
    ]);
  }

  it('retakes its lock after the lock session is killed, if no one else took the store', async () => {
    const schema = newSchema();
    const s = track(pgStore(schema));
    await s.init();
    await s.commit({ documents: [doc('profile', 'a', 1)], positions: [pos(0, 1)] });
    await terminateLockSession(schema);
    // The next write notices (the 'error'/'end' of the session, or the owner row) and takes the lock again.
    await waitUntilLockReleased(schema);
    await s.commit({ documents: [doc('profile', 'a', 2)], positions: [pos(0, 2)] });
    expect((await s.getDocument('profile', 'a'))?.state).toBe(2);
    await expect(track(pgStore(schema)).init()).rejects.toMatchObject({ code: 'STORE_LOCKED' });
  });

  it('never commits while its lock session no longer holds the lock, even before the client hears of it', async () => {
    const schema = newSchema();
    const s = track(pgStore(schema));
    await s.init();
    // The window the server opens when it ends a session: the lock is free, the client has not yet
    // seen 'end'. Freed here on the session itself, so that the client certainly has not heard.
    const lock = (s as unknown as { lock: { client: { query(q: string, v: unknown[]): Promise<unknown> } } })
      .lock;
    await lock.client.query('SELECT pg_advisory_unlock($1::bigint)', [writerLockKey(schema).key]);
    await s.commit({ documents: [doc('profile', 'a', 1)], positions: [pos(0, 1)] });
    // The commit took the lock again before writing: a second store is still refused.
    await expect(track(pgStore(schema)).init()).rejects.toMatchObject({ code: 'STORE_LOCKED' });
    expect((await s.getDocument('profile', 'a'))?.state).toBe(1);
  });

  it('fences a writer whose lock session died once another store took over: no lost update', async () => {
    const schema = newSchema();
    const first = track(pgStore(schema));
    await first.init();
    await first.commit({ documents: [doc('profile', 'a', 'first')], positions: [pos(0, 1)] });
    await terminateLockSession(schema);
    await waitUntilLockReleased(schema);
    const second = track(pgStore(schema));
    await second.init();
    await second.commit({ documents: [doc('profile', 'a', 'second')], positions: [pos(0, 2)] });
    await expect(
      first.commit({ documents: [doc('profile', 'a', 'lost update')], positions: [pos(0, 3)] }),
    ).rejects.toMatchObject({ code: 'WRITER_LOCK_LOST', retriable: false, holder: { pid: process.pid } });
    // Sticky: this object stays fenced even once the other writer leaves.
    await second.close();
    await expect(first.truncate()).rejects.toMatchObject({ code: 'WRITER_LOCK_LOST' });
    const third = track(pgStore(schema));
    await third.init();
    expect((await third.getDocument('profile', 'a'))?.state).toBe('second');
    expect((await third.positions())[0]?.nextOffset).toBe('2');
  });

  it('fences by the owner row even when the old writer has not noticed its session died', async () => {
    const schema = newSchema();
    const first = track(pgStore(schema));
    await first.init();
    // A writer that took over while the first's session was (as far as it knows) alive: simulated
    // by rewriting the owner row the way a new writer does when it takes the lock.
    await admin.query(
      `UPDATE "${schema}".store_meta SET value = '{"owner":"x","pid":1,"host":"elsewhere","sinceMs":0}' WHERE key = 'writer'`,
    );
    await expect(
      first.commit({ documents: [doc('profile', 'a', 1)], positions: [pos(0, 1)] }),
    ).rejects.toMatchObject({ code: 'WRITER_LOCK_LOST', holder: { host: 'elsewhere', pid: 1 } });
    expect(await first.getDocument('profile', 'a')).toBeUndefined();
  });

  /** The server frees a terminated backend's advisory locks asynchronously: wait for it, with a deadline. */
  async function waitUntilLockReleased(schema: string): Promise<void> {
    await waitFor(
      async () =>
        (
          await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1`, [
            `meridian-store-writer:${schema}`,
          ])
        ).rowCount === 0,
      { timeoutMs: 10_000, intervalMs: 20, description: `the lock session of ${schema} to end` },
    );
  }
});
