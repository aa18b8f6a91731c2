// Long on purpose: the adapter is one discipline — SQL, the file lock and error mapping — that has to be read together.
/**
 * SQLite adapter (better-sqlite3, synchronous and in-process). One connection; each commit is one
 * `BEGIN IMMEDIATE` transaction, so a second process on the same file waits for the write lock
 * instead of failing half way, and the position checks read what no one else can change meanwhile.
 *
 * One writer per file (see `writer.ts`): `init()` takes an exclusive lock on `<file>-writer.lock`
 * and keeps it until `close()` (the OS drops it if the process dies), records itself in
 * `store_meta.writer`, and every commit checks that row inside its transaction.
 */
import Database from 'better-sqlite3';
import { DocumentCache } from './document-cache';
import {
  checkAggregateId,
  checkAggregateType,
  checkKeys,
  checkPageLimit,
  prepareBatch,
  type PreparedBatch,
} from './batch';
import type { PreparedPosition } from './batch';
import { countLwwConflicts, type Document } from '@meridian/merge';
import { readStoredState } from './codec';
import { validateSqliteConfig, type SqliteStoreConfig } from './config';
import { StateDigestBuilder } from './digest';
import { PositionConflictError, StoreError, StoreLockedError, WriterLockLostError } from './errors';
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
import { decodeStoreWriter, encodeStoreWriter, newStoreWriter } from './writer';

/** `PRAGMA user_version` after each migration; index i migrates from version i to i + 1. */
const MIGRATIONS: readonly string[] = [
  // `digest` precedes `state` so reading ids and digests never touches the state's overflow pages.
  `CREATE TABLE documents (
     aggregate_type TEXT NOT NULL,
     aggregate_id TEXT NOT NULL,
     digest TEXT NOT NULL,
     updated_at_ms INTEGER NOT NULL,
     state TEXT NOT NULL,
     PRIMARY KEY (aggregate_type, aggregate_id)
   );
   CREATE TABLE positions (
     topic TEXT NOT NULL,
     partition INTEGER NOT NULL,
     next_offset INTEGER NOT NULL CHECK (next_offset >= 0),
     source_region TEXT NOT NULL,
     last_hlc TEXT,
     applied_at_ms INTEGER NOT NULL,
     PRIMARY KEY (topic, partition)
   ) WITHOUT ROWID;
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
   INSERT INTO counters (name, value) VALUES ('applied', 0), ('dead_lettered', 0), ('duplicates', 0);`,
  // `writer`: the store object that holds the writer lock (see writer.ts).
  `CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
  // Registers in conflict (see StoreCounters.lwwConflicts); a store built before counts from 0.
  `INSERT INTO counters (name, value) VALUES ('lww_conflicts', 0);`,
];

type Row = Record<string, unknown>;
/** The schema version from which `lww_conflicts` is kept (the migration that added it). */
const CONFLICTS_VERSION = 3;
type Stmt = Database.Statement<unknown[], Row>;

interface Statements {
  upsertDocument: Stmt;
  addCounter: Stmt;
  advancePosition: Stmt;
  insertPosition: Stmt;
  movePosition: Stmt;
  positionOffset: Stmt;
  positions: Stmt;
  document: Stmt;
  digestsAll: Stmt;
  digestsOfType: Stmt;
  digestPage: Stmt;
  counters: Stmt;
  aggregates: Stmt;
  writer: Stmt;
  setWriter: Stmt;
}

const POSITION_SET =
  'next_offset = excluded.next_offset, source_region = excluded.source_region, ' +
  'last_hlc = excluded.last_hlc, applied_at_ms = excluded.applied_at_ms';
const POSITION_INSERT =
  'INSERT INTO positions (topic, partition, next_offset, source_region, last_hlc, applied_at_ms) VALUES (?, ?, ?, ?, ?, ?)';

function prepareStatements(db: Database.Database): Statements {
  const p = (sql: string): Stmt => db.prepare<unknown[], Row>(sql);
  return {
    upsertDocument: p(
      `INSERT INTO documents (aggregate_type, aggregate_id, digest, updated_at_ms, state) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET
         digest = excluded.digest, updated_at_ms = excluded.updated_at_ms, state = excluded.state`,
    ),
    addCounter: p('UPDATE counters SET value = value + ? WHERE name = ?'),
    // The monotonic guard: an update that would move the offset backwards changes no row.
    advancePosition: p(
      `${POSITION_INSERT} ON CONFLICT (topic, partition) DO UPDATE SET ${POSITION_SET}
       WHERE excluded.next_offset >= positions.next_offset`,
    ),
    insertPosition: p(`${POSITION_INSERT} ON CONFLICT (topic, partition) DO NOTHING`),
    movePosition: p(
      `UPDATE positions SET next_offset = ?, source_region = ?, last_hlc = ?, applied_at_ms = ?
       WHERE topic = ? AND partition = ? AND next_offset = ?`,
    ),
    positionOffset: p('SELECT next_offset FROM positions WHERE topic = ? AND partition = ?').safeIntegers(
      true,
    ),
    positions: p(
      'SELECT topic, partition, next_offset, source_region, last_hlc, applied_at_ms FROM positions ORDER BY topic, partition',
    ).safeIntegers(true),
    document: p(
      'SELECT digest, updated_at_ms, state FROM documents WHERE aggregate_type = ? AND aggregate_id = ?',
    ),
    // BINARY collation: memcmp of UTF-8, the order the state digest is defined in.
    digestsAll: p(
      'SELECT aggregate_type, aggregate_id, digest FROM documents ORDER BY aggregate_type, aggregate_id',
    ).raw(true),
    digestsOfType: p(
      'SELECT aggregate_type, aggregate_id, digest FROM documents WHERE aggregate_type = ? ORDER BY aggregate_id',
    ).raw(true),
    digestPage: p(
      'SELECT aggregate_id, digest FROM documents WHERE aggregate_type = ? AND aggregate_id > ? ORDER BY aggregate_id LIMIT ?',
    ),
    counters: p('SELECT name, value FROM counters'),
    aggregates: p('SELECT count(*) AS n FROM documents'),
    writer: p(`SELECT value FROM store_meta WHERE key = 'writer'`),
    setWriter: p(
      `INSERT INTO store_meta (key, value) VALUES ('writer', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ),
  };
}

function mapError(e: unknown, what: string): StoreError {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'string') {
    // BUSY: the busy timeout ran out behind another writer. IOERR/FULL: the disk; both may clear.
    if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|PROTOCOL)/.test(code))
      return new StoreError('STORE_UNAVAILABLE', `sqlite ${what}: ${code}: ${message}`, {
        retriable: true,
        cause: e,
      });
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code))
      return new StoreError('STORE_CORRUPT', `sqlite ${what}: ${code}: ${message}`, { cause: e });
  }
  return new StoreError('STORE_FAILURE', `sqlite ${what}: ${message}`, { cause: e });
}

export class SqliteProjectionStore implements ProjectionStore {
  private readonly config: Required<SqliteStoreConfig>;
  private db: Database.Database | undefined;
  private stmts: Statements | undefined;
  private closed = false;
  /** The sidecar connection whose open `BEGIN EXCLUSIVE` is the writer lock (none for `:memory:`). */
  private lock: Database.Database | undefined;
  /** Our `store_meta.writer` value, checked in every write transaction. */
  private writerText: string | undefined;
  private readonly cache: DocumentCache;

  constructor(config: SqliteStoreConfig) {
    this.config = validateSqliteConfig(config);
    this.cache = new DocumentCache(this.config.documentCacheSize);
  }

  async init(): Promise<void> {
    if (this.closed) throw new StoreError('STORE_NOT_OPEN', 'sqlite store is closed');
    if (this.stmts) return;
    try {
      const db = new Database(this.config.file);
      this.db = db;
      db.pragma(`busy_timeout = ${this.config.busyTimeoutMs}`);
      // WAL: readers (digests) never block the committing writer, and a commit is one sequential append.
      db.pragma('journal_mode = WAL');
      // FULL by default: the WAL is fsynced at every commit, so a resolved commit() survives power loss.
      db.pragma(`synchronous = ${this.config.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      db.transaction(() => {
        const version = db.pragma('user_version', { simple: true }) as number;
        if (version > MIGRATIONS.length)
          throw new StoreError(
            'SCHEMA_MISMATCH',
            `sqlite ${this.config.file} has schema version ${version}, newer than this library's ${MIGRATIONS.length}`,
          );
        for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
        // A store built before conflicts were counted: count what its documents hold now, once.
        if (version > 0 && version < CONFLICTS_VERSION) {
          let n = 0;
          const rows = db
            .prepare('SELECT state, digest, aggregate_id FROM documents')
            .iterate() as Iterable<Row>;
          for (const r of rows)
            n += countLwwConflicts(
              readStoredState(
                r.state as string,
                r.digest as string,
                `document ${String(r.aggregate_id)}`,
              ) as Document,
            );
          db.prepare("UPDATE counters SET value = ? WHERE name = 'lww_conflicts'").run(n);
        }
        // Inside the transaction: user_version lives in the header page, which commits with the tables.
        db.pragma(`user_version = ${MIGRATIONS.length}`);
      }).immediate();
      const stmts = prepareStatements(db);
      this.takeWriterLock(db, stmts);
      this.stmts = stmts;
    } catch (e) {
      this.lock?.close();
      this.lock = undefined;
      this.writerText = undefined;
      this.db?.close();
      this.db = undefined;
      throw mapError(e, 'init');
    }
  }

  /**
   * Takes the file for this store object: a `:memory:` database is private to its connection, so
   * only the owner row is written. Fails fast (no busy wait) if another store object holds it.
   */
  private takeWriterLock(db: Database.Database, s: Statements): void {
    if (this.config.file !== ':memory:') {
      const lock = new Database(`${this.config.file}-writer.lock`);
      try {
        lock.pragma('busy_timeout = 0');
        // No journal file next to the lock file: nothing is ever written to it.
        lock.pragma('journal_mode = MEMORY');
        lock.exec('BEGIN EXCLUSIVE');
      } catch (e) {
        lock.close();
        if (/^SQLITE_(BUSY|LOCKED)/.test(String((e as { code?: unknown }).code)))
          throw new StoreLockedError(this.name(), decodeStoreWriter(s.writer.get()?.value));
        throw e;
      }
      this.lock = lock;
    }
    const text = encodeStoreWriter(newStoreWriter());
    db.transaction(() => s.setWriter.run(text)).immediate();
    this.writerText = text;
  }

  /** Inside a write transaction: refuses it if another store object has taken the file since. */
  private checkWriter(s: Statements): void {
    const current = s.writer.get()?.value;
    if (current !== this.writerText) throw new WriterLockLostError(this.name(), decodeStoreWriter(current));
  }

  private name(): string {
    return `sqlite ${this.config.file}`;
  }

  async positions(): Promise<SourcePosition[]> {
    const s = this.open();
    try {
      return s.positions.all().map((r) => ({
        topic: r.topic as string,
        partition: Number(r.partition as bigint),
        nextOffset: (r.next_offset as bigint).toString(),
        sourceRegion: r.source_region as string,
        ...(r.last_hlc === null ? {} : { lastHlc: r.last_hlc as string }),
        appliedAtMs: Number(r.applied_at_ms as bigint),
      }));
    } catch (e) {
      throw mapError(e, 'positions');
    }
  }

  async getDocuments(keys: readonly AggregateKey[]): Promise<Map<string, StoredDocument>> {
    checkKeys(keys);
    const s = this.open();
    const out = new Map<string, StoredDocument>();
    try {
      // One read transaction: every document from the same snapshot. What this writer committed
      // last is served from memory (the same snapshot: nobody else writes while we hold the lock).
      this.requireDb()
        .transaction(() => {
          for (const k of keys) {
            const key = documentKey(k.aggregateType, k.aggregateId);
            const d = this.cache.get(key) ?? this.readDocument(s, k.aggregateType, k.aggregateId);
            if (d) out.set(key, d);
          }
        })
        .deferred();
    } catch (e) {
      throw mapError(e, 'getDocuments');
    }
    return out;
  }

  async getDocument(aggregateType: string, aggregateId: string): Promise<StoredDocument | undefined> {
    checkAggregateType(aggregateType, 'getDocument');
    checkAggregateId(aggregateId, 'getDocument');
    const s = this.open();
    try {
      return this.readDocument(s, aggregateType, aggregateId);
    } catch (e) {
      throw mapError(e, 'getDocument');
    }
  }

  async commit(batch: BatchCommit): Promise<void> {
    const prepared = prepareBatch(batch);
    const s = this.open();
    try {
      this.requireDb()
        .transaction((b: PreparedBatch) => this.write(s, b))
        .immediate(prepared);
    } catch (e) {
      // Whatever we believed about the stored documents may be wrong now (the lock lost, say).
      this.cache.clear();
      throw mapError(e, 'commit');
    }
    this.cache.rememberCommitted(prepared.documents);
  }

  async stateDigest(aggregateType?: string): Promise<StateDigest> {
    if (aggregateType !== undefined) checkAggregateType(aggregateType, 'stateDigest');
    const s = this.open();
    try {
      const b = new StateDigestBuilder();
      // One statement, so one WAL snapshot; synchronous, so no commit interleaves on this connection.
      const rows =
        aggregateType === undefined ? s.digestsAll.iterate() : s.digestsOfType.iterate(aggregateType);
      for (const r of rows as IterableIterator<unknown>) {
        const [t, id, d] = r as [string, string, string];
        b.add(t, id, d);
      }
      return b.finish();
    } catch (e) {
      throw mapError(e, 'stateDigest');
    }
  }

  async aggregateDigests(aggregateType: string, options: DigestPageOptions = {}): Promise<DigestPage> {
    checkAggregateType(aggregateType, 'aggregateDigests');
    const limit = checkPageLimit(options.limit);
    // Ids are non-empty, so '' is below all of them.
    const after = options.afterId === undefined ? '' : options.afterId;
    const s = this.open();
    try {
      const items = s.digestPage
        .all(aggregateType, after, limit)
        .map((r) => ({ aggregateId: r.aggregate_id as string, digest: r.digest as string }));
      return {
        items,
        nextAfterId: items.length === limit ? items[items.length - 1]?.aggregateId : undefined,
      };
    } catch (e) {
      throw mapError(e, 'aggregateDigests');
    }
  }

  async stats(): Promise<StoreStats> {
    const s = this.open();
    try {
      const c = new Map(s.counters.all().map((r) => [r.name as string, r.value as number]));
      const n = s.aggregates.get()?.n as number;
      return {
        applied: c.get('applied') ?? 0,
        deadLettered: c.get('dead_lettered') ?? 0,
        duplicates: c.get('duplicates') ?? 0,
        lwwConflicts: c.get('lww_conflicts') ?? 0,
        aggregates: n,
      };
    } catch (e) {
      throw mapError(e, 'stats');
    }
  }

  async truncate(): Promise<void> {
    const s = this.open();
    const db = this.requireDb();
    this.cache.clear();
    try {
      db.transaction(() => {
        this.checkWriter(s);
        db.exec('DELETE FROM documents; DELETE FROM positions; UPDATE counters SET value = 0;');
      }).immediate();
    } catch (e) {
      throw mapError(e, 'truncate');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stmts = undefined;
    this.cache.clear();
    const db = this.db;
    this.db = undefined;
    if (db?.open) db.close();
    // Last: the next writer may start as soon as the lock is free.
    const lock = this.lock;
    this.lock = undefined;
    if (lock?.open) lock.close();
  }

  private write(s: Statements, b: PreparedBatch): void {
    this.checkWriter(s);
    for (const d of b.documents)
      s.upsertDocument.run(d.aggregateType, d.aggregateId, d.digest, d.updatedAtMs, d.stateText);
    for (const [name, n] of b.counters) s.addCounter.run(n, name);
    // Positions last: a conflict here rolls back the documents already written above.
    const failed: PreparedPosition[] = [];
    for (const p of b.positions) {
      const row = [p.topic, p.partition, p.nextOffset, p.sourceRegion, p.lastHlc, p.appliedAtMs] as const;
      const r =
        p.expected === undefined
          ? s.advancePosition.run(...row)
          : p.expected === null
            ? s.insertPosition.run(...row)
            : s.movePosition.run(
                p.nextOffset,
                p.sourceRegion,
                p.lastHlc,
                p.appliedAtMs,
                p.topic,
                p.partition,
                p.expected,
              );
      if (r.changes !== 1) failed.push(p);
    }
    if (failed.length > 0)
      throw new PositionConflictError(
        failed.map((p) => {
          const actual = s.positionOffset.get(p.topic, p.partition)?.next_offset as bigint | undefined;
          return {
            topic: p.topic,
            partition: p.partition,
            attemptedNextOffset: p.nextOffset.toString(),
            expectedNextOffset: typeof p.expected === 'bigint' ? p.expected.toString() : p.expected,
            actualNextOffset: actual === undefined ? null : actual.toString(),
          };
        }),
      );
  }

  private readDocument(
    s: Statements,
    aggregateType: string,
    aggregateId: string,
  ): StoredDocument | undefined {
    const r = s.document.get(aggregateType, aggregateId);
    if (!r) return undefined;
    const digest = r.digest as string;
    return {
      aggregateType,
      aggregateId,
      state: readStoredState(r.state as string, digest, `sqlite ${documentKey(aggregateType, aggregateId)}`),
      digest,
      updatedAtMs: r.updated_at_ms as number,
    };
  }

  private open(): Statements {
    if (!this.stmts)
      throw new StoreError(
        'STORE_NOT_OPEN',
        this.closed ? 'sqlite store is closed' : 'call init() before using the store',
      );
    return this.stmts;
  }

  private requireDb(): Database.Database {
    if (!this.db) throw new StoreError('STORE_NOT_OPEN', 'sqlite store is not open');
    return this.db;
  }
}
