// Public API of @meridian/store: the projector's state store (a port) and its two adapters.
export {
  documentKey,
  type AggregateKey,
  type StoredDocument,
  type DocumentWrite,
  type SourcePosition,
  type PositionAdvance,
  type BatchCommit,
  type StoreCounters,
  type StoreStats,
  type StateDigest,
  type AggregateDigest,
  type DigestPage,
  type DigestPageOptions,
  type ProjectionStore,
} from './store';
export {
  StoreError,
  StoreConfigError,
  InvalidBatchError,
  PositionConflictError,
  StoreCorruptError,
  StoreLockedError,
  WriterLockLostError,
  type StoreErrorCode,
  type PositionConflict,
} from './errors';
export { type StoreWriter } from './writer';
export {
  STORE_URL_FORMS,
  regionSchema,
  storeConfigFromUrl,
  type StoreConfig,
  type SqliteStoreConfig,
  type PostgresStoreConfig,
} from './config';
export { createProjectionStore } from './factory';
export { SqliteProjectionStore } from './sqlite.store';
export { PostgresProjectionStore } from './postgres.store';
export { stateDigestOf, compareUtf8 } from './digest';
export { aggregateKeyProblem } from './batch';
export { encodeState, decodeState } from './codec';
