import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { conflictedState, doc, describeStoreContract, pos } from './store-contract.spec-helper';
import { SqliteProjectionStore } from './index';

const dir = mkdtempSync(join(tmpdir(), 'meridian-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStoreContract('sqlite :memory:', async () => ({
  store: new SqliteProjectionStore({ kind: 'sqlite', file: ':memory:' }),
}));

describeStoreContract('sqlite file (WAL)', async () => {
  const file = join(dir, `store-${++n}.db`);
  return {
    store: new SqliteProjectionStore({ kind: 'sqlite', file }),
    peer: () => new SqliteProjectionStore({ kind: 'sqlite', file }),
    tamperState: async (type, id, text) => {
      const db = new Database(file);
      try {
        db.prepare('UPDATE documents SET state = ? WHERE aggregate_type = ? AND aggregate_id = ?').run(
          text,
          type,
          id,
        );
      } finally {
        db.close();
      }
    },
  };
});

describe('SqliteProjectionStore', () => {
  it('puts the file in WAL mode and survives reopening', async () => {
    const file = join(dir, 'reopen.db');
    const a = new SqliteProjectionStore({ kind: 'sqlite', file, synchronous: 'normal' });
    await a.init();
    await a.commit({
      documents: [doc('profile', 'p', { v: 1 })],
      positions: [pos(0, 7)],
      counters: { applied: 1 },
    });
    await a.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(3);
    raw.close();
    const b = new SqliteProjectionStore({ kind: 'sqlite', file });
    await b.init();
    expect((await b.positions())[0]?.nextOffset).toBe('7');
    expect(await b.stats()).toMatchObject({ applied: 1, aggregates: 1 });
    await b.close();
  });

  it('counts the conflicts a store built before the counter already holds, once, when it migrates', async () => {
    const file = join(dir, 'conflicts-migration.db');
    const conflicted = conflictedState();
    const a = new SqliteProjectionStore({ kind: 'sqlite', file });
    await a.init();
    await a.commit({ documents: [doc('profile', 'p', conflicted)], positions: [pos(0, 2)] });
    await a.close();
    // Back to the schema before the counter: no row, version 2.
    const raw = new Database(file);
    raw.exec("DELETE FROM counters WHERE name = 'lww_conflicts'; PRAGMA user_version = 2;");
    raw.close();
    const b = new SqliteProjectionStore({ kind: 'sqlite', file });
    await b.init();
    expect((await b.stats()).lwwConflicts).toBe(1);
    await b.close();
    const c = new SqliteProjectionStore({ kind: 'sqlite', file });
    await c.init(); // migrated already: not counted again
    expect((await c.stats()).lwwConflicts).toBe(1);
    await c.close();
  });

  it('fences a writer whose lock file was removed behind its back once another takes over', async () => {
    const file = join(dir, 'stolen.db');
    const first = new SqliteProjectionStore({ kind: 'sqlite', file });
    await first.init();
    await first.commit({ documents: [doc('profile', 'p', 'first')], positions: [pos(0, 1)] });
    // Someone cleans up the "stale" lock file: the OS lock went with it, so a second store can open.
    unlinkSync(`${file}-writer.lock`);
    const second = new SqliteProjectionStore({ kind: 'sqlite', file });
    await second.init();
    await second.commit({ documents: [doc('profile', 'p', 'second')], positions: [pos(0, 2)] });
    // The owner row, checked in the commit transaction, stops the first from overwriting it.
    await expect(
      first.commit({ documents: [doc('profile', 'p', 'lost update')], positions: [pos(0, 3)] }),
    ).rejects.toMatchObject({
      code: 'WRITER_LOCK_LOST',
      retriable: false,
      holder: { pid: process.pid },
    });
    await expect(first.truncate()).rejects.toMatchObject({ code: 'WRITER_LOCK_LOST' });
    expect((await second.getDocument('profile', 'p'))?.state).toBe('second');
    expect((await second.positions())[0]?.nextOffset).toBe('2');
    await first.close();
    await second.close();
  });

  it('refuses a database migrated by a newer version (SCHEMA_MISMATCH)', async () => {
    const file = join(dir, 'newer.db');
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    const s = new SqliteProjectionStore({ kind: 'sqlite', file });
    await expect(s.init()).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', retriable: false });
    await s.close();
  });

  it('reports a file that is not a database as STORE_CORRUPT', async () => {
    const file = join(dir, 'garbage.db');
    writeFileSync(file, 'this is not sqlite'.repeat(500));
    const s = new SqliteProjectionStore({ kind: 'sqlite', file });
    await expect(s.init()).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await s.close();
  });

  it('reports a writer holding the lock past busyTimeoutMs as retriable STORE_UNAVAILABLE', async () => {
    const file = join(dir, 'busy.db');
    const s = new SqliteProjectionStore({ kind: 'sqlite', file, busyTimeoutMs: 50 });
    await s.init();
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    await expect(s.commit({ documents: [doc('profile', 'p', 1)], positions: [] })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retriable: true,
    });
    other.exec('ROLLBACK');
    other.close();
    await s.commit({ documents: [doc('profile', 'p', 1)], positions: [] });
    await s.close();
  });
});
