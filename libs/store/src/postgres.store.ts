// Long on purpose: the adapter is one discipline — SQL, the writer lock and error mapping — that has to be read together to be trusted.
/**
 * PostgreSQL adapter (pg Pool). One schema per region; each commit is one call of a server-side
 * function (its own transaction) through a named prepared statement: one round trip per commit,
 * whatever the batch holds.
 *
 * `state` is `text`, not `jsonb`: jsonb re-orders keys and normalises numbers, so the stored bytes
 * would no longer be the canonical encoding the digest was taken over (and `12n` bigints are not
 * JSON at all). Nothing queries inside the state, so jsonb would buy nothing.
 *
 * One writer per schema (see `writer.ts`): `init()` takes a session-level advisory lock on a
 * dedicated connection (not the pool's) and keeps it until `close()`; the server releases it if the
 * connection or the process dies. The writer records itself in `store_meta.writer`, and every
 * commit checks that row first, under a row lock, inside its transaction.
 */
import { createHash } from 'node:crypto';
import { Client, Pool, type PoolClient, type QueryResultRow } from 'pg';
import { checkAggregateId, checkAggregateType, checkKeys, checkPageLimit, prepareBatch } from './batch';
import type { PreparedBatch, PreparedPosition } from './batch';
import { countLwwConflicts, type Document } from '@meridian/merge';
import { readStoredState } from './codec';
import { validatePostgresConfig, type PostgresStoreConfig } from './config';
import { StateDigestBuilder } from './digest';
import { DocumentCache } from './document-cache';
import {
  PositionConflictError,
  StoreError,
  StoreLockedError,
  WriterLockLostError,
  type PositionConflict,
} from './errors';
import {
  documentKey,
  type AggregateKey,
  type BatchCommit,
  type DigestPage,
  type DigestPageOptions,
  type ProjectionStore,
  type SourcePosition,
  type StateDigest,
  type StoredDocument,
  type StoreStats,
} from './store';
import { decodeStoreWriter, encodeStoreWriter, newStoreWriter, type StoreWriter } from './writer';

/** Identifiers are validated by the config; quoting is the second line of defence. */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Index i migrates from schema version i to i + 1; `s` is the quoted schema name. */
const MIGRATIONS: readonly ((s: string) => string)[] = [
  // COLLATE "C": byte order, so the primary key index already is the order the state digest is
  // defined in, and no locale can make two regions sort (and hash) differently.
  (s) => `
    CREATE TABLE ${s}.documents (
      aggregate_type text COLLATE "C" NOT NULL,
      aggregate_id text COLLATE "C" NOT NULL,
      digest text NOT NULL,
      updated_at_ms bigint NOT NULL,
      state text NOT NULL,
      PRIMARY KEY (aggregate_type, aggregate_id)
    );
    CREATE TABLE ${s}.positions (
      topic text COLLATE "C" NOT NULL,
      partition integer NOT NULL,
      next_offset bigint NOT NULL CHECK (next_offset >= 0),
      source_region text NOT NULL,
      last_hlc text,
      applied_at_ms bigint NOT NULL,
      PRIMARY KEY (topic, partition)
    );
    CREATE TABLE ${s}.counters (name text PRIMARY KEY, value bigint NOT NULL);
    INSERT INTO ${s}.counters (name, value) VALUES ('applied', 0), ('dead_lettered', 0), ('duplicates', 0);`,
  // Registers in conflict (see StoreCounters.lwwConflicts); a store built before counts from 0.
  (s) => `INSERT INTO ${s}.counters (name, value) VALUES ('lww_conflicts', 0) ON CONFLICT (name) DO NOTHING;`,
];

/** The schema version from which `lww_conflicts` is kept (the migration that added it). */
const CONFLICTS_VERSION = 2;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const NETWORK_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|connection error|not queryable/i;

function mapError(e: unknown, what: string): StoreError {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  const c = typeof code === 'string' ? code : '';
  // 08: connection exception; 57P0x: server shutting down/starting; 53: out of resources;
  // 40: serialization failure or deadlock; 57014: statement timeout. All can succeed on retry.
  if (
    NETWORK_CODES.has(c) ||
    /^(08|53|40)/.test(c) ||
    /^57P0/.test(c) ||
    c === '57014' ||
    (c === '' && NETWORK_MESSAGE.test(message))
  )
    return new StoreError('STORE_UNAVAILABLE', `postgres ${what}: ${c ? `${c}: ` : ''}${message}`, {
      retriable: true,
      cause: e,
    });
  if (c === 'XX001' || c === 'XX002')
    return new StoreError('STORE_CORRUPT', `postgres ${what}: ${c}: ${message}`, { cause: e });
  return new StoreError('STORE_FAILURE', `postgres ${what}: ${c ? `${c}: ` : ''}${message}`, { cause: e });
}

const POSITION_COLUMNS = 'topic, partition, next_offset, source_region, last_hlc, applied_at_ms';
const POSITION_SET =
  'next_offset = excluded.next_offset, source_region = excluded.source_region, ' +
  'last_hlc = excluded.last_hlc, applied_at_ms = excluded.applied_at_ms';

/**
 * The advisory lock key of a schema: 64 bits of SHA-256 (hashtext's 32 bits would let two schemas'
 * writers refuse each other). pg_locks shows a bigint key as classid (high half) and objid (low).
 */
export function writerLockKey(schema: string): { key: string; classid: number; objid: number } {
  const h = createHash('sha256').update(`meridian-store-writer\0${schema}`).digest();
  return {
    key: BigInt.asIntN(64, h.readBigUInt64BE(0)).toString(),
    classid: h.readUInt32BE(0),
    objid: h.readUInt32BE(4),
  };
}

/** `pg_locks AS l` rows of the schema's writer lock, granted, in this database (key halves as params). */
function writerLockGranted(classid: string, objid: string): string {
  return `l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.classid = ${classid}::bigint::oid AND l.objid = ${objid}::bigint::oid
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
}

/** The connection holding the advisory lock, and why it stopped holding it (if it did). */
interface WriterLock {
  readonly client: Client;
  /** The server process of `client`: the lock is ours while pg_locks shows it granted to this pid. */
  pid: number;
  lost: string | undefined;
}

/**
 * Thrown inside a write transaction when our lock session no longer holds the advisory lock but
 * no one else has taken the store (the owner row is still ours): the session died and the client
 * has not heard yet. The commit retakes the lock and runs again.
 */
class LockSessionGone extends Error {}

function positionArrays(ps: readonly PreparedPosition[]): unknown[] {
  return [
    ps.map((p) => p.topic),
    ps.map((p) => p.partition),
    ps.map((p) => p.nextOffset.toString()),
    ps.map((p) => p.sourceRegion),
    ps.map((p) => p.lastHlc),
    ps.map((p) => p.appliedAtMs),
  ];
}

/** The commit function's name; a new version of its body gets a new name. */
const COMMIT_FUNCTION = 'meridian_commit_v1';

/**
 * One batch's commit as one server-side function (plpgsql), so a commit costs one round trip
 * whatever it holds. Documents arrive as arrays, their states as one UTF-8 buffer with offsets and
 * lengths (sent as binary and sliced by the server: node-postgres' text[] literal escaping of 2 KB
 * states is ~3× slower, and a JSON array of them costs the server a parse), positions as arrays
 * with a mode each: 0 advance (monotonic), 1 insert (no stored row expected), 2 move (compare and
 * set on `expected`). Positions are written last, and any that could not be written raise MR003
 * with [index, stored offset] pairs, rolling back everything.
 */
function commitFunction(s: string): string {
  return `
CREATE OR REPLACE FUNCTION ${s}.${COMMIT_FUNCTION}(
  writer text, lock_classid bigint, lock_objid bigint, lock_pid integer,
  d_type text[], d_id text[], d_digest text[], d_updated int8[], d_states bytea, d_offset int4[], d_length int4[],
  counter_names text[], counter_deltas int8[],
  p_topic text[], p_partition int4[], p_next int8[], p_region text[], p_hlc text[], p_applied int8[],
  p_mode int2[], p_expected int8[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  mine boolean;
  locked boolean;
  done text[] := '{}';
  part text[];
  conflicts json;
BEGIN
  -- A row lock as well as a check: a writer taking over waits for this commit to end. And the
  -- advisory lock must still be granted to our lock session (see checkWriter).
  SELECT m.value = writer,
         EXISTS (SELECT 1 FROM pg_locks AS l WHERE ${writerLockGranted('lock_classid', 'lock_objid')} AND l.pid = lock_pid)
    INTO mine, locked FROM ${s}.store_meta AS m WHERE m.key = 'writer' FOR UPDATE;
  IF mine IS NOT TRUE THEN
    RAISE EXCEPTION 'another writer holds the store' USING ERRCODE = 'MR001';
  END IF;
  IF NOT locked THEN
    RAISE EXCEPTION 'the advisory lock is no longer held by its session' USING ERRCODE = 'MR002';
  END IF;
  INSERT INTO ${s}.documents (aggregate_type, aggregate_id, digest, updated_at_ms, state)
    SELECT u.t, u.i, u.d, u.up, convert_from(substring(d_states FROM u.o + 1 FOR u.l), 'UTF8')
    FROM unnest(d_type, d_id, d_digest, d_updated, d_offset, d_length) AS u(t, i, d, up, o, l)
    ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET
      digest = excluded.digest, updated_at_ms = excluded.updated_at_ms, state = excluded.state;
  UPDATE ${s}.counters AS c SET value = c.value + u.n
    FROM unnest(counter_names, counter_deltas) AS u(name, n) WHERE c.name = u.name;
  -- Positions last; the monotonic guard: a row whose offset would move backwards is not written.
  WITH w AS (
    INSERT INTO ${s}.positions AS p (${POSITION_COLUMNS})
      SELECT u.t, u.pa, u.n, u.r, u.h, u.a
      FROM unnest(p_topic, p_partition, p_next, p_region, p_hlc, p_applied, p_mode) AS u(t, pa, n, r, h, a, m)
      WHERE u.m = 0
    ON CONFLICT (topic, partition) DO UPDATE SET ${POSITION_SET}
    WHERE excluded.next_offset >= p.next_offset
    RETURNING p.topic || E'\t' || p.partition AS k
  ) SELECT coalesce(array_agg(k), '{}') INTO part FROM w;
  done := done || part;
  WITH w AS (
    INSERT INTO ${s}.positions (${POSITION_COLUMNS})
      SELECT u.t, u.pa, u.n, u.r, u.h, u.a
      FROM unnest(p_topic, p_partition, p_next, p_region, p_hlc, p_applied, p_mode) AS u(t, pa, n, r, h, a, m)
      WHERE u.m = 1
    ON CONFLICT (topic, partition) DO NOTHING
    RETURNING topic || E'\t' || partition AS k
  ) SELECT coalesce(array_agg(k), '{}') INTO part FROM w;
  done := done || part;
  -- Compare-and-set; under READ COMMITTED a concurrent writer's row is re-checked after its commit.
  WITH w AS (
    UPDATE ${s}.positions AS p SET next_offset = u.n, source_region = u.r, last_hlc = u.h, applied_at_ms = u.a
      FROM unnest(p_topic, p_partition, p_next, p_region, p_hlc, p_applied, p_mode, p_expected)
        AS u(t, pa, n, r, h, a, m, x)
      WHERE u.m = 2 AND p.topic = u.t COLLATE "C" AND p.partition = u.pa AND p.next_offset = u.x
    RETURNING p.topic || E'\t' || p.partition AS k
  ) SELECT coalesce(array_agg(k), '{}') INTO part FROM w;
  done := done || part;
  IF coalesce(array_length(done, 1), 0) < coalesce(array_length(p_topic, 1), 0) THEN
    SELECT json_agg(json_build_array(u.i, p.next_offset::text) ORDER BY u.i) INTO conflicts
      FROM unnest(p_topic, p_partition) WITH ORDINALITY AS u(t, pa, i)
      LEFT JOIN ${s}.positions AS p ON p.topic = u.t COLLATE "C" AND p.partition = u.pa
      WHERE NOT (u.t || E'\t' || u.pa = ANY (done));
    RAISE EXCEPTION 'position conflict' USING ERRCODE = 'MR003', DETAIL = conflicts::text;
  END IF;
END
$fn$`;
}

/** The commit function's parameters for one batch (see `commitFunction`). */
function commitValues(
  b: PreparedBatch,
  writer: string,
  lockKey: { classid: number; objid: number },
  lockPid: number,
): unknown[] {
  const ds = b.documents;
  const ps = b.positions;
  // The states as one UTF-8 buffer (a Buffer parameter goes as binary: no escaping either way).
  const lengths = ds.map((d) => Buffer.byteLength(d.stateText, 'utf8'));
  const states = Buffer.allocUnsafe(lengths.reduce((a, n) => a + n, 0));
  const offsets: number[] = [];
  let at = 0;
  for (const [k, d] of ds.entries()) {
    offsets.push(at);
    at += states.write(d.stateText, at, lengths[k], 'utf8');
  }
  return [
    writer,
    lockKey.classid,
    lockKey.objid,
    lockPid,
    ds.map((d) => d.aggregateType),
    ds.map((d) => d.aggregateId),
    ds.map((d) => d.digest),
    ds.map((d) => d.updatedAtMs),
    states,
    offsets,
    lengths,
    b.counters.map(([n]) => n),
    b.counters.map(([, v]) => v),
    ...positionArrays(ps),
    ps.map((p) => (p.expected === undefined ? 0 : p.expected === null ? 1 : 2)),
    ps.map((p) => (typeof p.expected === 'bigint' ? p.expected.toString() : null)),
  ];
}

/** MR003's detail ([1-based index, stored offset or null] pairs) as the conflicts it names. */
function conflictsOf(positions: readonly PreparedPosition[], detail: string | undefined): PositionConflict[] {
  const pairs = JSON.parse(detail ?? '[]') as [number, string | null][];
  return pairs.map(([i, actual]) => {
    const p = positions[i - 1] as PreparedPosition;
    return {
      topic: p.topic,
      partition: p.partition,
      attemptedNextOffset: p.nextOffset.toString(),
      expectedNextOffset: typeof p.expected === 'bigint' ? p.expected.toString() : p.expected,
      actualNextOffset: actual,
    };
  });
}

export class PostgresProjectionStore implements ProjectionStore {
  private readonly config: Required<PostgresStoreConfig>;
  private readonly s: string;
  private pool: Pool | undefined;
  private ready = false;
  private closed = false;
  private readonly sql: Record<string, string>;
  private readonly lockKey: ReturnType<typeof writerLockKey>;
  private lock: WriterLock | undefined;
  /** Our `store_meta.writer` value, checked in every write transaction. */
  private writerText: string | undefined;
  /** Set once another writer has taken the store over: every later write refuses with it. */
  private fenced: WriterLockLostError | undefined;
  private initializing: Promise<void> | undefined;

  private readonly cache: DocumentCache;

  constructor(config: PostgresStoreConfig) {
    this.config = validatePostgresConfig(config);
    this.cache = new DocumentCache(this.config.documentCacheSize);
    const s = quoteIdent(this.config.schema);
    this.s = s;
    this.lockKey = writerLockKey(this.config.schema);
    this.sql = {
      // A row lock as well as a check: a writer taking over waits for this commit to end. And the
      // advisory lock must still be granted to our lock session: its death reaches the client only
      // later ('end'/'error'), and a commit in between would write with no lock held.
      checkWriter: `
        SELECT value = $1 AS mine, EXISTS (
          SELECT 1 FROM pg_locks AS l WHERE ${writerLockGranted('$2', '$3')} AND l.pid = $4
        ) AS locked
        FROM ${s}.store_meta WHERE key = 'writer' FOR UPDATE`,
      setWriter: `
        INSERT INTO ${s}.store_meta (key, value) VALUES ('writer', $1)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      writer: `SELECT value FROM ${s}.store_meta WHERE key = 'writer'`,
      // Who holds the advisory lock (the row may be gone if it has just been released).
      lockHolder: `
        SELECT a.pid, host(a.client_addr) AS client_addr FROM pg_locks AS l
        JOIN pg_stat_activity AS a ON a.pid = l.pid
        WHERE ${writerLockGranted('$1', '$2')}`,
      commitFunction: commitFunction(s),
      // One statement, so one round trip and its own transaction; a named statement, parsed once per
      // connection. Parameters in the order of `commitValues`.
      commitBatch: `SELECT ${s}.${COMMIT_FUNCTION}(${Array.from({ length: 21 }, (_, i) => `$${i + 1}`).join(', ')})`,
      positions: `SELECT ${POSITION_COLUMNS} FROM ${s}.positions ORDER BY topic, partition`,
      documents: `
        SELECT d.aggregate_type, d.aggregate_id, d.digest, d.updated_at_ms, d.state FROM ${s}.documents AS d
        JOIN unnest($1::text[], $2::text[]) AS k(t, i)
          ON d.aggregate_type = k.t COLLATE "C" AND d.aggregate_id = k.i COLLATE "C"`,
      document: `SELECT digest, updated_at_ms, state FROM ${s}.documents WHERE aggregate_type = $1 AND aggregate_id = $2`,
      digestPage: `
        SELECT aggregate_id, digest FROM ${s}.documents
        WHERE aggregate_type = $1 AND aggregate_id > $2 ORDER BY aggregate_id LIMIT $3`,
      stats: `
        SELECT name, value FROM ${s}.counters
        UNION ALL SELECT 'aggregates', count(*) FROM ${s}.documents`,
    };
  }

  async init(): Promise<void> {
    if (this.closed) throw new StoreError('STORE_NOT_OPEN', 'postgres store is closed');
    if (this.ready) return;
    // Concurrent calls on one object share one attempt: two would take two lock sessions.
    this.initializing ??= this.open().finally(() => {
      this.initializing = undefined;
    });
    return this.initializing;
  }

  private async open(): Promise<void> {
    if (!this.pool) {
      this.pool = new Pool({
        connectionString: this.config.connectionString,
        max: this.config.poolSize,
        connectionTimeoutMillis: this.config.connectTimeoutMs,
        statement_timeout: this.config.statementTimeoutMs,
        application_name: `meridian-store:${this.config.schema}`,
      });
      // An idle client's connection broke: the pool has already discarded it, and the next query
      // reconnects or fails with STORE_UNAVAILABLE. Without a listener the process would crash.
      this.pool.on('error', () => undefined);
    }
    const s = this.s;
    await this.transaction('init', async (c) => {
      // Serialises concurrent init() from several processes: CREATE ... IF NOT EXISTS is not race-free.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`meridian-store:${this.config.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${s}.store_meta (key text PRIMARY KEY, value text NOT NULL)`);
      const r = await c.query<{ value: string }>(
        `SELECT value FROM ${s}.store_meta WHERE key = 'schema_version'`,
      );
      const version = r.rows[0] ? Number(r.rows[0].value) : 0;
      if (version > MIGRATIONS.length)
        throw new StoreError(
          'SCHEMA_MISMATCH',
          `postgres schema ${this.config.schema} has version ${version}, newer than this library's ${MIGRATIONS.length}`,
        );
      for (let v = version; v < MIGRATIONS.length; v++)
        await c.query((MIGRATIONS[v] as (s: string) => string)(s));
      // A store built before conflicts were counted: count what its documents hold now, once, in
      // pages by key (the migration's transaction keeps the count and the version together).
      if (version > 0 && version < CONFLICTS_VERSION) {
        let n = 0;
        let after: [string, string] = ['', ''];
        for (;;) {
          const page = await c.query<{ t: string; id: string; state: string; digest: string }>(
            `SELECT aggregate_type AS t, aggregate_id AS id, state, digest FROM ${s}.documents
             WHERE (aggregate_type, aggregate_id) > ($1, $2) ORDER BY 1, 2 LIMIT 1000`,
            after,
          );
          for (const r of page.rows)
            n += countLwwConflicts(readStoredState(r.state, r.digest, `document ${r.t}/${r.id}`) as Document);
          if (page.rows.length < 1000) break;
          const last = page.rows[page.rows.length - 1]!;
          after = [last.t, last.id];
        }
        await c.query(`UPDATE ${s}.counters SET value = $1 WHERE name = 'lww_conflicts'`, [n]);
      }
      await c.query(
        `INSERT INTO ${s}.store_meta (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [String(MIGRATIONS.length)],
      );
      // Code, not schema: each writer installs the version it calls (its name carries the version).
      await c.query(this.sql.commitFunction as string);
    });
    await this.takeWriterLock();
    this.ready = true;
  }

  /**
   * Takes the schema for this store object, failing fast if another holds it: a dedicated
   * connection takes the advisory lock, then the owner row is rewritten (waiting for a commit in
   * flight by a previous writer whose lock session died, see `checkWriter`).
   */
  private async takeWriterLock(): Promise<void> {
    const lock = await this.lockSession();
    try {
      const text = encodeStoreWriter(newStoreWriter());
      await this.transaction('init (writer)', async (c) => {
        await c.query(this.sql.setWriter as string, [text]);
      });
      this.lock = lock;
      this.writerText = text;
    } catch (e) {
      await lock.client.end().catch(() => undefined);
      throw e;
    }
  }

  /** A new connection holding the advisory lock; `StoreLockedError` if another session holds it. */
  private async lockSession(): Promise<WriterLock> {
    const client = new Client({
      connectionString: this.config.connectionString,
      connectionTimeoutMillis: this.config.connectTimeoutMs,
      statement_timeout: this.config.statementTimeoutMs,
      application_name: `meridian-store-writer:${this.config.schema}`,
      // A dead peer is noticed by TCP, not only at the next query.
      keepAlive: true,
    });
    const lock: WriterLock = { client, pid: 0, lost: undefined };
    // Without listeners a broken idle connection would crash the process; the next write sees `lost`.
    client.on('error', (e) => {
      lock.lost ??= `lock connection failed: ${e.message}`;
    });
    client.on('end', () => {
      lock.lost ??= 'lock connection closed';
    });
    try {
      await client.connect();
      const r = await client.query<{ ok: boolean; pid: number }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS ok, pg_backend_pid() AS pid',
        [this.lockKey.key],
      );
      if (r.rows[0]?.ok !== true) throw new StoreLockedError(this.name(), await this.holder(client, true));
      lock.pid = r.rows[0].pid;
      return lock;
    } catch (e) {
      await client.end().catch(() => undefined);
      throw mapError(e, 'init (writer lock)');
    }
  }

  /** What the owner row and pg_locks say about the current writer; undefined if neither says. */
  private async holder(c: Pick<Client, 'query'>, withBackend: boolean): Promise<StoreWriter | undefined> {
    const row = await c.query<{ value: string }>(this.sql.writer as string);
    const w = decodeStoreWriter(row.rows[0]?.value);
    if (!withBackend || w === undefined) return w;
    const b = await c.query<{ pid: number; client_addr: string | null }>(this.sql.lockHolder as string, [
      this.lockKey.classid,
      this.lockKey.objid,
    ]);
    const backend = b.rows[0];
    if (!backend) return w;
    return {
      ...w,
      backendPid: backend.pid,
      ...(backend.client_addr ? { clientAddr: backend.client_addr } : {}),
    };
  }

  /**
   * Before a write: if the lock session broke (server restart, network, terminated backend), the
   * server has released the lock. Take it again on a new session; the owner row then tells whether
   * anyone else wrote in between (they would have rewritten it), checked again inside the commit.
   */
  private async ensureWriter(): Promise<void> {
    if (this.fenced) throw this.fenced;
    const lock = this.lock;
    if (lock === undefined || lock.lost === undefined) return;
    this.lock = undefined;
    this.cache.clear();
    await lock.client.end().catch(() => undefined);
    let next: WriterLock;
    try {
      next = await this.lockSession();
    } catch (e) {
      if (e instanceof StoreLockedError) throw this.fence(e.holder);
      throw e;
    }
    let current: StoreWriter | undefined;
    let mine: boolean;
    try {
      const r = await next.client.query<{ value: string }>(this.sql.writer as string);
      mine = r.rows[0]?.value === this.writerText;
      if (!mine) current = decodeStoreWriter(r.rows[0]?.value);
    } catch (e) {
      await next.client.end().catch(() => undefined);
      throw mapError(e, 'commit (writer lock)');
    }
    if (!mine) {
      await next.client.end().catch(() => undefined);
      throw this.fence(current);
    }
    this.lock = next;
  }

  /** First statement of every write transaction. */
  private async checkWriter(c: PoolClient): Promise<void> {
    const lock = this.lock;
    const r = await c.query<{ mine: boolean; locked: boolean }>(this.sql.checkWriter as string, [
      this.writerText,
      this.lockKey.classid,
      this.lockKey.objid,
      lock?.pid ?? 0,
    ]);
    const row = r.rows[0];
    if (row?.mine !== true) throw this.fence(await this.holder(c, false));
    if (!row.locked) {
      if (lock) lock.lost ??= `the advisory lock is no longer held by its session (pid ${lock.pid})`;
      throw new LockSessionGone();
    }
  }

  /**
   * Runs one write while we hold the store: if the lock session turns out dead inside it
   * (`LockSessionGone`), the lock is retaken (or we are fenced) and the write runs once more.
   */
  private async asWriter(what: string, write: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.ensureWriter();
      try {
        await write();
        return;
      } catch (e) {
        if (!(e instanceof LockSessionGone)) throw e;
        if (attempt >= 2)
          throw new StoreError(
            'STORE_UNAVAILABLE',
            `postgres ${what}: the writer lock was lost twice in a row`,
            {
              retriable: true,
            },
          );
      }
    }
  }

  /** A transaction of several statements as the writer (its first statement checks that we are). */
  private writeTransaction(what: string, fn: (c: PoolClient) => Promise<void>): Promise<void> {
    return this.asWriter(what, () =>
      this.transaction(what, async (c) => {
        await this.checkWriter(c);
        await fn(c);
      }),
    );
  }

  private fence(holder: StoreWriter | undefined): WriterLockLostError {
    this.fenced ??= new WriterLockLostError(this.name(), holder);
    this.cache.clear();
    const lock = this.lock;
    this.lock = undefined;
    // We hold no claim any more; free the lock if this object still had it.
    if (lock) void lock.client.end().catch(() => undefined);
    return this.fenced;
  }

  private name(): string {
    return `postgres schema ${this.config.schema}`;
  }

  async positions(): Promise<SourcePosition[]> {
    const r = await this.query<{
      topic: string;
      partition: number;
      next_offset: string;
      source_region: string;
      last_hlc: string | null;
      applied_at_ms: string;
    }>('positions', this.sql.positions as string, []);
    // int8 arrives as a string (pg's default), which is exactly the offset representation we want.
    return r.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      nextOffset: p.next_offset,
      sourceRegion: p.source_region,
      ...(p.last_hlc === null ? {} : { lastHlc: p.last_hlc }),
      appliedAtMs: Number(p.applied_at_ms),
    }));
  }

  async getDocuments(keys: readonly AggregateKey[]): Promise<Map<string, StoredDocument>> {
    checkKeys(keys);
    const out = new Map<string, StoredDocument>();
    // What this writer committed last is served from memory; only the rest is selected.
    const missing: AggregateKey[] = [];
    for (const k of keys) {
      const key = documentKey(k.aggregateType, k.aggregateId);
      const d = this.cache.get(key);
      if (d) out.set(key, d);
      else missing.push(k);
    }
    if (missing.length === 0) return out;
    const rows = await this.query<DocumentRow>('getDocuments', this.sql.documents as string, [
      missing.map((k) => k.aggregateType),
      missing.map((k) => k.aggregateId),
    ]);
    for (const r of rows) out.set(documentKey(r.aggregate_type, r.aggregate_id), toDocument(r));
    return out;
  }

  async getDocument(aggregateType: string, aggregateId: string): Promise<StoredDocument | undefined> {
    checkAggregateType(aggregateType, 'getDocument');
    checkAggregateId(aggregateId, 'getDocument');
    const rows = await this.query<Omit<DocumentRow, 'aggregate_type' | 'aggregate_id'>>(
      'getDocument',
      this.sql.document as string,
      [aggregateType, aggregateId],
    );
    const r = rows[0];
    return r ? toDocument({ ...r, aggregate_type: aggregateType, aggregate_id: aggregateId }) : undefined;
  }

  async commit(batch: BatchCommit): Promise<void> {
    const b = prepareBatch(batch);
    this.requirePool();
    // The same lock order in every transaction, so two concurrent writers queue instead of deadlocking.
    b.documents.sort((x, y) =>
      x.aggregateType === y.aggregateType
        ? cmp(x.aggregateId, y.aggregateId)
        : cmp(x.aggregateType, y.aggregateType),
    );
    b.positions.sort((x, y) => (x.topic === y.topic ? x.partition - y.partition : cmp(x.topic, y.topic)));
    try {
      await this.asWriter('commit', () => this.commitStatement(b));
    } catch (e) {
      // A failed or unknown outcome, a lock retaken or lost: what we believed stored may be wrong.
      this.cache.clear();
      throw e;
    }
    this.cache.rememberCommitted(b.documents);
  }

  async stateDigest(aggregateType?: string): Promise<StateDigest> {
    if (aggregateType !== undefined) checkAggregateType(aggregateType, 'stateDigest');
    this.requirePool();
    const where = aggregateType === undefined ? '' : `WHERE aggregate_type = ${quoteLiteral(aggregateType)}`;
    const b = new StateDigestBuilder();
    // A cursor in a REPEATABLE READ transaction: one snapshot, streamed in pages, state never read.
    await this.transaction(
      'stateDigest',
      async (c) => {
        await c.query(
          `DECLARE state_digest NO SCROLL CURSOR FOR SELECT aggregate_type, aggregate_id, digest
           FROM ${this.s}.documents ${where} ORDER BY aggregate_type, aggregate_id`,
        );
        for (;;) {
          const r = await c.query<[string, string, string]>({
            text: 'FETCH 10000 FROM state_digest',
            rowMode: 'array',
          });
          for (const [t, id, d] of r.rows) b.add(t, id, d);
          if (r.rows.length < 10000) break;
        }
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
    return b.finish();
  }

  async aggregateDigests(aggregateType: string, options: DigestPageOptions = {}): Promise<DigestPage> {
    checkAggregateType(aggregateType, 'aggregateDigests');
    const limit = checkPageLimit(options.limit);
    const rows = await this.query<{ aggregate_id: string; digest: string }>(
      'aggregateDigests',
      this.sql.digestPage as string,
      [aggregateType, options.afterId ?? '', limit],
    );
    const items = rows.map((r) => ({ aggregateId: r.aggregate_id, digest: r.digest }));
    return { items, nextAfterId: items.length === limit ? items[items.length - 1]?.aggregateId : undefined };
  }

  async stats(): Promise<StoreStats> {
    const rows = await this.query<{ name: string; value: string }>('stats', this.sql.stats as string, []);
    const v = new Map(rows.map((r) => [r.name, Number(r.value)]));
    return {
      applied: v.get('applied') ?? 0,
      deadLettered: v.get('dead_lettered') ?? 0,
      duplicates: v.get('duplicates') ?? 0,
      lwwConflicts: v.get('lww_conflicts') ?? 0,
      aggregates: v.get('aggregates') ?? 0,
    };
  }

  async truncate(): Promise<void> {
    this.requirePool();
    this.cache.clear();
    await this.writeTransaction('truncate', async (c) => {
      await c.query(`TRUNCATE ${this.s}.documents, ${this.s}.positions`);
      await c.query(`UPDATE ${this.s}.counters SET value = 0`);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ready = false;
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await pool.end();
    // Last: the next writer may start as soon as the lock is free.
    const lock = this.lock;
    this.lock = undefined;
    if (lock) await lock.client.end().catch(() => undefined);
  }

  /**
   * The whole commit in one round trip: the commit function checks the writer, writes documents,
   * counters and positions, and raises (rolling all of it back) when we are not the writer
   * (MR001), our lock session lost the lock (MR002), or a position conflicts (MR003, with which
   * ones and what is stored). If the connection fails meanwhile the outcome is unknown: the error is
   * retriable, and a retry carrying `expectedNextOffset` reports POSITION_CONFLICT if it did commit.
   */
  private async commitStatement(b: PreparedBatch): Promise<void> {
    const pool = this.requirePool();
    const lock = this.lock;
    try {
      await pool.query({
        name: COMMIT_FUNCTION,
        text: this.sql.commitBatch as string,
        values: commitValues(b, this.writerText ?? '', this.lockKey, lock?.pid ?? 0),
      });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'MR001') throw this.fence(await this.holder(pool, false).catch(() => undefined));
      if (code === 'MR002') {
        if (lock) lock.lost ??= `the advisory lock is no longer held by its session (pid ${lock.pid})`;
        throw new LockSessionGone();
      }
      if (code === 'MR003')
        throw new PositionConflictError(conflictsOf(b.positions, (e as { detail?: string }).detail));
      throw mapError(e, 'commit');
    }
  }

  /** A read as a named prepared statement (parsed once per pooled connection), named after `what`. */
  private async query<R extends QueryResultRow>(what: string, text: string, values: unknown[]): Promise<R[]> {
    const pool = this.requirePool();
    try {
      return (await pool.query<R>({ name: `meridian_${what}`, text, values })).rows;
    } catch (e) {
      throw mapError(e, what);
    }
  }

  /**
   * Runs `fn` in one transaction on one connection. If the connection fails during COMMIT the
   * outcome is unknown; the error is retriable, and a retry that carries `expectedNextOffset`
   * then reports POSITION_CONFLICT if the first attempt did commit.
   */
  private async transaction(
    what: string,
    fn: (c: PoolClient) => Promise<void>,
    begin = 'BEGIN',
  ): Promise<void> {
    const pool = this.pool;
    if (!pool || this.closed) throw new StoreError('STORE_NOT_OPEN', 'postgres store is not open');
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw mapError(e, what);
    }
    let broken: Error | undefined;
    // A checked-out client has no pool listener: without ours a server-side disconnect would be an
    // unhandled 'error' event. The query in flight rejects with the same error, so nothing is lost.
    const onError = (e: Error): void => {
      broken = e;
    };
    client.on('error', onError);
    try {
      await client.query(begin);
      await fn(client);
      await client.query('COMMIT');
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable: destroy it rather than return it to the pool. `e` is what we report.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      if (e instanceof LockSessionGone) throw e;
      throw mapError(e, what);
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  private requirePool(): Pool {
    if (!this.pool || !this.ready || this.closed)
      throw new StoreError(
        'STORE_NOT_OPEN',
        this.closed ? 'postgres store is closed' : 'call init() before using the store',
      );
    return this.pool;
  }
}

interface DocumentRow {
  aggregate_type: string;
  aggregate_id: string;
  digest: string;
  updated_at_ms: string;
  state: string;
}

function toDocument(r: DocumentRow): StoredDocument {
  return {
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    state: readStoredState(r.state, r.digest, `postgres ${documentKey(r.aggregate_type, r.aggregate_id)}`),
    digest: r.digest,
    updatedAtMs: Number(r.updated_at_ms),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
