/**
 * Throw-away projection stores for tests that spawn projector processes: a SQLite file in a temp
 * directory, or a fresh PostgreSQL schema (dropped by `dispose`). `env` is what the projector app
 * reads (`STORE`, `PG_SCHEMA`); `wipe` deletes the state so the next start rebuilds from the topics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { uniqueName } from '@meridian/testing';

export type StoreKind = 'sqlite' | 'postgres';

/** The local PostgreSQL of the integration tests (trust auth); `MERIDIAN_TEST_PG_URL` overrides it. */
export const TEST_PG_URL = process.env.MERIDIAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  readonly kind: StoreKind;
  /** Human-readable: the file or the schema. */
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  /** Deletes every trace of the state (file + WAL, or the schema). Only while no projector runs. */
  wipe(): Promise<void>;
  /** `wipe`, and remove the temp directory. Idempotent. */
  dispose(): Promise<void>;
}

export function sqliteTestStore(prefix = 'projector'): TestStore {
  const dir = mkdtempSync(join(tmpdir(), `meridian-${prefix}-store-`));
  const file = join(dir, 'state.sqlite');
  const wipe = async (): Promise<void> => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
  };
  return {
    kind: 'sqlite',
    label: file,
    env: { STORE: `sqlite:${file}` },
    wipe,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function postgresTestStore(prefix = 'projector'): TestStore {
  const schema = uniqueName(`t_${prefix}`)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const wipe = async (): Promise<void> => {
    const c = new Client({ connectionString: TEST_PG_URL });
    await c.connect();
    try {
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await c.end();
    }
  };
  return {
    kind: 'postgres',
    label: `${TEST_PG_URL} schema ${schema}`,
    env: { STORE: TEST_PG_URL, PG_SCHEMA: schema },
    wipe,
    dispose: wipe,
  };
}

export function testStore(kind: StoreKind, prefix?: string): TestStore {
  return kind === 'sqlite' ? sqliteTestStore(prefix) : postgresTestStore(prefix);
}
