/**
 * Typed adapter configuration, validated at construction so a mistake fails at start-up with the
 * field named and a fix, not at the first commit.
 */
import { StoreConfigError } from './errors';

export interface SqliteStoreConfig {
  readonly kind: 'sqlite';
  /** Path of the database file, or `':memory:'` (tests only: nothing survives the process). */
  readonly file: string;
  /**
   * `full` (default): a commit is on disk when `commit()` resolves, even across power loss.
   * `normal`: in WAL mode a power loss may drop the last commits, state and positions together, so
   * the projector re-consumes them from Kafka; faster, but only if nothing outside the database
   * acted on those commits. An application crash loses nothing in either mode.
   */
  readonly synchronous?: 'full' | 'normal';
  /** How long to wait for another connection's write lock before `STORE_UNAVAILABLE`. Default 5 000. */
  readonly busyTimeoutMs?: number;
  /** Documents this writer committed kept in memory for its next batches (see `DocumentCache`). Default 10 000; 0: none. */
  readonly documentCacheSize?: number;
}

export interface PostgresStoreConfig {
  readonly kind: 'postgres';
  /** e.g. `postgres://postgres@127.0.0.1:5432/test` */
  readonly connectionString: string;
  /** One schema per region, e.g. `meridian_us_east`; created if missing. */
  readonly schema: string;
  /** Pool size. Default 4: the projector commits serially; the rest serve reads and digests. */
  readonly poolSize?: number;
  /** Default 5 000. */
  readonly connectTimeoutMs?: number;
  /** Server-side limit per statement. Default 60 000. */
  readonly statementTimeoutMs?: number;
  /** Documents this writer committed kept in memory for its next batches (see `DocumentCache`). Default 10 000; 0: none. */
  readonly documentCacheSize?: number;
}

export type StoreConfig = SqliteStoreConfig | PostgresStoreConfig;

const DEFAULT_DOCUMENT_CACHE_SIZE = 10_000;
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

function record(config: unknown): Record<string, unknown> {
  if (typeof config !== 'object' || config === null)
    throw new StoreConfigError('kind', `expected an object with kind 'sqlite' or 'postgres'`);
  return config as Record<string, unknown>;
}

function optionalInt(
  c: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  dflt: number,
): number {
  const v = c[field];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new StoreConfigError(field, `must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

export function validateSqliteConfig(config: unknown): Required<SqliteStoreConfig> {
  const c = record(config);
  if (c.kind !== 'sqlite')
    throw new StoreConfigError('kind', `expected 'sqlite', got ${JSON.stringify(c.kind)}`);
  if (typeof c.file !== 'string' || c.file.trim() === '')
    throw new StoreConfigError('file', `must be a file path or ':memory:', got ${JSON.stringify(c.file)}`);
  const sync = c.synchronous ?? 'full';
  if (sync !== 'full' && sync !== 'normal')
    throw new StoreConfigError('synchronous', `must be 'full' or 'normal', got ${JSON.stringify(sync)}`);
  return {
    kind: 'sqlite',
    file: c.file,
    synchronous: sync,
    busyTimeoutMs: optionalInt(c, 'busyTimeoutMs', 0, 600_000, 5_000),
    documentCacheSize: optionalInt(c, 'documentCacheSize', 0, 10_000_000, DEFAULT_DOCUMENT_CACHE_SIZE),
  };
}

export function validatePostgresConfig(config: unknown): Required<PostgresStoreConfig> {
  const c = record(config);
  if (c.kind !== 'postgres')
    throw new StoreConfigError('kind', `expected 'postgres', got ${JSON.stringify(c.kind)}`);
  if (typeof c.connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(c.connectionString))
    throw new StoreConfigError(
      'connectionString',
      `must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/test`,
    );
  if (typeof c.schema !== 'string' || !SCHEMA.test(c.schema))
    throw new StoreConfigError(
      'schema',
      `must be a lowercase identifier matching ${String(SCHEMA)}, e.g. meridian_us_east; got ${JSON.stringify(c.schema)}`,
    );
  return {
    kind: 'postgres',
    connectionString: c.connectionString,
    schema: c.schema,
    poolSize: optionalInt(c, 'poolSize', 1, 100, 4),
    connectTimeoutMs: optionalInt(c, 'connectTimeoutMs', 100, 600_000, 5_000),
    statementTimeoutMs: optionalInt(c, 'statementTimeoutMs', 100, 3_600_000, 60_000),
    documentCacheSize: optionalInt(c, 'documentCacheSize', 0, 10_000_000, DEFAULT_DOCUMENT_CACHE_SIZE),
  };
}

/** The form a store is named in configuration and on the command line. */
export const STORE_URL_FORMS = 'sqlite:<file> or postgres://user@host:port/db';

/**
 * A store named by URL — `sqlite:<file>` or `postgres://…` (`postgresql://` too) — as an adapter
 * configuration; a PostgreSQL store lives in `schema`. `field` names the setting in the error.
 */
export function storeConfigFromUrl(url: string, schema: string, field = 'url'): StoreConfig {
  if (url.startsWith('sqlite:') && url.length > 'sqlite:'.length)
    return { kind: 'sqlite', file: url.slice('sqlite:'.length) };
  if (/^postgres(ql)?:\/\/.+/.test(url)) return { kind: 'postgres', connectionString: url, schema };
  throw new StoreConfigError(field, `must be ${STORE_URL_FORMS}, got ${JSON.stringify(url)}`);
}

/** The schema of a region's PostgreSQL store by default: `<prefix>_us_east` for us-east. */
export function regionSchema(prefix: string, region: string): string {
  return `${prefix}_${region.replace(/-/g, '_')}`;
}
