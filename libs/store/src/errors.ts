/**
 * One error root for the store, so callers can `instanceof StoreError` and switch on `code`.
 *
 * `retriable` answers one question for the projector: can the same call succeed later unchanged?
 * A store error is never the event's fault, so a non-retriable one must stop the projector (or make
 * it reload, for `POSITION_CONFLICT`); it must not send the event to the dead-letter topic.
 */
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
  /** Anything else the database reported. */
  | 'STORE_FAILURE';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly retriable: boolean;
  override readonly cause?: unknown;

  constructor(code: StoreErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

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

export class StoreCorruptError extends StoreError {
  constructor(message: string, cause?: unknown) {
    super('STORE_CORRUPT', message, { cause });
  }
}
