// Long on purpose: the adapter is one discipline — SQL, the writer lock and error mapping — that has to be read together to be trusted.
/**
 * PostgreSQL adapter (pg Pool). One schema per region; each commit is one `BEGIN ... COMMIT` on one
 * pooled connection with a handful of multi-row statements, so the round trips per commit do not grow
 * with the batch (one per 1 000 documents).
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
];

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

/**
 * Documents go in multi-row VALUES with one parameter per field: each state is sent as is. (With
 * `unnest` of a text[] parameter, the states are escaped into one array literal that the server
 * then parses: three times slower for 500 x 2 KB.) 1 000 rows x 5 stays far below the 65 535 limit.
 */
const DOCUMENTS_PER_STATEMENT = 1_000;

const POSITION_COLUMNS = 'topic, partition, next_offset, source_region, last_hlc, applied_at_ms';
const POSITION_ARRAYS = '$1::text[], $2::int4[], $3::int8[], $4::text[], $5::text[], $6::int8[]';
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
      upsertDocuments: `
        ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET
          digest = excluded.digest, updated_at_ms = excluded.updated_at_ms, state = excluded.state`,
      addCounters: `
        UPDATE ${s}.counters AS c SET value = c.value + u.n
        FROM unnest($1::text[], $2::int8[]) AS u(name, n) WHERE c.name = u.name`,
      // The monotonic guard: a row whose offset would move backwards is neither updated nor returned.
      advancePositions: `
        INSERT INTO ${s}.positions AS p (${POSITION_COLUMNS}) SELECT * FROM unnest(${POSITION_ARRAYS})
        ON CONFLICT (topic, partition) DO UPDATE SET ${POSITION_SET}
        WHERE excluded.next_offset >= p.next_offset
        RETURNING topic, partition`,
      insertPositions: `
        INSERT INTO ${s}.positions (${POSITION_COLUMNS}) SELECT * FROM unnest(${POSITION_ARRAYS})
        ON CONFLICT (topic, partition) DO NOTHING
        RETURNING topic, partition`,
      // Compare-and-set; under READ COMMITTED a concurrent writer's row is re-checked after its commit.
      movePositions: `
        UPDATE ${s}.positions AS p SET next_offset = u.next_offset, source_region = u.source_region,
          last_hlc = u.last_hlc, applied_at_ms = u.applied_at_ms
        FROM unnest(${POSITION_ARRAYS}, $7::int8[])
          AS u(topic, partition, next_offset, source_region, last_hlc, applied_at_ms, expected)
        WHERE p.topic = u.topic COLLATE "C" AND p.partition = u.partition AND p.next_offset = u.expected
        RETURNING p.topic, p.partition`,
      positionOffsets: `
        SELECT p.topic, p.partition, p.next_offset FROM ${s}.positions AS p
        JOIN unnest($1::text[], $2::int4[]) AS k(topic, partition)
          ON p.topic = k.topic COLLATE "C" AND p.partition = k.partition`,
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
      await c.query(
        `INSERT INTO ${s}.store_meta (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [String(MIGRATIONS.length)],
      );
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
   * A write transaction run while we hold the store: if the lock session turns out dead inside it,
   * the lock is retaken (or we are fenced) and the transaction runs once more.
   */
  private async writeTransaction(what: string, fn: (c: PoolClient) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.ensureWriter();
      try {
        await this.transaction(what, async (c) => {
          await this.checkWriter(c);
          await fn(c);
        });
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
      await this.writeTransaction('commit', (c) => this.write(c, b));
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

  private async write(c: PoolClient, b: PreparedBatch): Promise<void> {
    for (let i = 0; i < b.documents.length; i += DOCUMENTS_PER_STATEMENT) {
      const chunk = b.documents.slice(i, i + DOCUMENTS_PER_STATEMENT);
      const values: unknown[] = [];
      const rows = chunk.map((d, k) => {
        values.push(d.aggregateType, d.aggregateId, d.digest, d.updatedAtMs, d.stateText);
        const p = k * 5;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5})`;
      });
      await c.query(
        `INSERT INTO ${this.s}.documents (aggregate_type, aggregate_id, digest, updated_at_ms, state)
         VALUES ${rows.join(', ')} ${this.sql.upsertDocuments as string}`,
        values,
      );
    }
    if (b.counters.length > 0)
      await c.query(this.sql.addCounters as string, [
        b.counters.map(([n]) => n),
        b.counters.map(([, v]) => v),
      ]);
    // Positions last: a conflict here rolls back the documents already written above.
    const advance = b.positions.filter((p) => p.expected === undefined);
    const insert = b.positions.filter((p) => p.expected === null);
    const move = b.positions.filter((p) => typeof p.expected === 'bigint');
    const done = new Set<string>();
    const run = async (ps: PreparedPosition[], text: string, extra: unknown[] = []): Promise<void> => {
      if (ps.length === 0) return;
      const r = await c.query<{ topic: string; partition: number }>(text, [...positionArrays(ps), ...extra]);
      for (const row of r.rows) done.add(`${row.topic}\t${row.partition}`);
    };
    await run(advance, this.sql.advancePositions as string);
    await run(insert, this.sql.insertPositions as string);
    await run(move, this.sql.movePositions as string, [move.map((p) => (p.expected as bigint).toString())]);
    const failed = b.positions.filter((p) => !done.has(`${p.topic}\t${p.partition}`));
    if (failed.length > 0) throw new PositionConflictError(await this.conflicts(c, failed));
  }

  private async conflicts(c: PoolClient, failed: PreparedPosition[]): Promise<PositionConflict[]> {
    const r = await c.query<{ topic: string; partition: number; next_offset: string }>(
      this.sql.positionOffsets as string,
      [failed.map((p) => p.topic), failed.map((p) => p.partition)],
    );
    const actual = new Map(r.rows.map((x) => [`${x.topic}\t${x.partition}`, x.next_offset]));
    return failed.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      attemptedNextOffset: p.nextOffset.toString(),
      expectedNextOffset: typeof p.expected === 'bigint' ? p.expected.toString() : p.expected,
      actualNextOffset: actual.get(`${p.topic}\t${p.partition}`) ?? null,
    }));
  }

  private async query<R extends QueryResultRow>(what: string, text: string, values: unknown[]): Promise<R[]> {
    const pool = this.requirePool();
    try {
      return (await pool.query<R>(text, values)).rows;
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
