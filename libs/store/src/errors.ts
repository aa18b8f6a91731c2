/**
 * One error root for the store, so callers can `instanceof StoreError` and switch on `code`.
 *
 * `retriable` answers one question for the projector: can the same call succeed later unchanged?
 * A store error is never the event's fault, so a non-retriable one must stop the projector (or make
 * it reload, for `POSITION_CONFLICT`); it must not send the event to the dead-letter topic.
 */
import { MeridianError } from '@meridian/errors';
import type { StoreWriter } from './writer';

export type StoreErrorCode =
  /** The configuration is wrong; the message names the field. */
  | 'INVALID_CONFIG'
  /** The batch or a key is malformed (bad id, offset, digest, duplicate key, unencodable state). */
  | 'INVALID_BATCH'
  /** A position would move backwards or did not hold the expected offset: another writer got there first. */
  | 'POSITION_CONFLICT'
  /** The database cannot be reached or is busy right now (connection refused/lost, lock timeout). */
  | 'STORE_UNAVAILABLE'
  /** Stored bytes do not decode or do not match their digest. */
  | 'STORE_CORRUPT'
  /** The database was migrated by a newer version of this library. */
  | 'SCHEMA_MISMATCH'
  /** Used before `init()` or after `close()`. */
  | 'STORE_NOT_OPEN'
  /** `init()` found another writer holding the store: one writer per store (`StoreLockedError`). */
  | 'STORE_LOCKED'
  /** This store was the writer and another one has taken over since (`WriterLockLostError`). */
  | 'WRITER_LOCK_LOST'
  /** Anything else the database reported. */
  | 'STORE_FAILURE';

export class StoreError extends MeridianError<StoreErrorCode> {}

/** Bad configuration, caught at construction with a fix-it message. */
export class StoreConfigError extends StoreError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('INVALID_CONFIG', `store config \`${field}\`: ${message}`);
  }
}

export class InvalidBatchError extends StoreError {
  constructor(message: string, cause?: unknown) {
    super('INVALID_BATCH', message, { cause });
  }
}

/** One partition whose stored position did not allow the commit. */
export interface PositionConflict {
  topic: string;
  partition: number;
  /** What the commit wanted to write. */
  attemptedNextOffset: string;
  /** `expectedNextOffset` from the commit: a string, `null` (expected no row) or undefined (only monotonic). */
  expectedNextOffset: string | null | undefined;
  /** What the store holds, `null` if it holds nothing for the partition. */
  actualNextOffset: string | null;
}

/**
 * The whole commit was rolled back because a position would move backwards or another writer
 * moved it first (a zombie projector after a rebalance, or a retry of a commit that did succeed).
 * Not retriable as is: reload `positions()` and the documents, then resume from there.
 */
export class PositionConflictError extends StoreError {
  constructor(readonly conflicts: readonly PositionConflict[]) {
    const c = conflicts[0];
    const first = c
      ? `${c.topic}[${c.partition}]: stored ${c.actualNextOffset ?? 'nothing'}, commit wanted ` +
        `${c.attemptedNextOffset}` +
        (c.expectedNextOffset === undefined ? '' : ` expecting ${c.expectedNextOffset ?? 'nothing'}`)
      : '';
    super(
      'POSITION_CONFLICT',
      `commit rolled back: ${conflicts.length} position(s) conflict (${first}); reload positions and state`,
    );
  }
}

/** The writer holding a store, as far as the store can tell (see `StoreWriter`). */
function describeWriter(w: StoreWriter | undefined): string {
  if (w === undefined) return 'holder unknown';
  const parts = [`pid ${w.pid} on ${w.host}`, `since ${new Date(w.sinceMs).toISOString()}`];
  if (w.backendPid !== undefined) parts.push(`postgres backend ${w.backendPid}`);
  if (w.clientAddr) parts.push(`from ${w.clientAddr}`);
  return `held by ${parts.join(', ')}, owner ${w.owner}`;
}

/**
 * `init()` refused: another store object (another projector, a zombie of this one, an in-place
 * replay) holds the store's writer lock. Documents are read outside the commit transaction, so two
 * writers would silently lose each other's updates; the second fails fast instead. Not retriable
 * as is: stop the holder (or wait for it to exit) and open again.
 */
export class StoreLockedError extends StoreError {
  constructor(
    /** e.g. `sqlite /var/lib/meridian/us-east.db` or `postgres schema meridian_us_east`. */
    readonly store: string,
    /** Who holds it; undefined if it did not say (it may have just released it). */
    readonly holder: StoreWriter | undefined,
  ) {
    super(
      'STORE_LOCKED',
      `${store} already has a writer (${describeWriter(holder)}): a store takes one writer at a time. ` +
        `Stop that process (a second projector, a restart's old instance, or a replay --in-place) or wait ` +
        `for it to exit, then start this one; to rebuild next to a live projector, replay into a fresh store`,
    );
  }
}

/**
 * A commit (or truncate) was refused and rolled back because this store object is no longer the
 * writer: its lock was lost (connection to PostgreSQL broken, SQLite lock file removed) and another
 * writer has taken the store over since. Not retriable: this process's view of the documents is
 * stale. Close the store and exit; a restart opens it again, or refuses while the other one holds it.
 */
export class WriterLockLostError extends StoreError {
  constructor(
    readonly store: string,
    /** The writer the store records now, if any. */
    readonly holder: StoreWriter | undefined,
  ) {
    super(
      'WRITER_LOCK_LOST',
      `${store}: this process is no longer the writer (now ${describeWriter(holder)}); nothing was ` +
        `written. Close the store and restart: reopening takes the store back or refuses while the other writer holds it`,
    );
  }
}

export class StoreCorruptError extends StoreError {
  constructor(message: string, cause?: unknown) {
    super('STORE_CORRUPT', message, { cause });
  }
}
