import { StoreConfigError } from './errors';
import type { StoreConfig } from './config';
import { PostgresProjectionStore } from './postgres.store';
import { SqliteProjectionStore } from './sqlite.store';
import type { ProjectionStore } from './store';

/** Validates `config` (throwing `INVALID_CONFIG` with the field named) and builds the adapter. Call `init()` next. */
export function createProjectionStore(config: StoreConfig): ProjectionStore {
  const kind = (config as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case 'sqlite':
      return new SqliteProjectionStore(config as Extract<StoreConfig, { kind: 'sqlite' }>);
    case 'postgres':
      return new PostgresProjectionStore(config as Extract<StoreConfig, { kind: 'postgres' }>);
    default:
      throw new StoreConfigError('kind', `must be 'sqlite' or 'postgres', got ${JSON.stringify(kind)}`);
  }
}
