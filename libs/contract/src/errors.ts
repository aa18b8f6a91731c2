/**
 * One error root for the contract, so a consumer can `instanceof ContractError` and switch on `code`.
 * `retriable` says whether retrying the same record later can succeed (a registry that lags or is
 * down) or whether the record itself is bad and belongs in a dead-letter topic.
 */
import { MeridianError } from '@meridian/errors';

export type ContractErrorCode =
  | 'BAD_MAGIC_BYTE'
  | 'TRUNCATED'
  | 'TOMBSTONE' // a null value: the projector dead-letters it under this code (the serde says TRUNCATED)
  | 'UNKNOWN_SCHEMA'
  | 'UNKNOWN_EVENT_TYPE'
  | 'BODY_MISMATCH'
  | 'INCOMPATIBLE_SCHEMA'
  | 'INVALID_EVENT'
  | 'INVALID_SCHEMA'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_ERROR';

/** A schema, record or registry answer does not fit the contract; `code` says which way, `retriable` whether to try again. */
export class ContractError extends MeridianError<ContractErrorCode> {}

/** Where a schema was looked for; which of the three is set depends on what the record carried. */
export interface SchemaRef {
  subject?: string;
  fingerprint?: string;
  id?: number;
}

/**
 * The writer schema is not (yet) known. Retriable by default: registration in this region may lag
 * the producer's. Not retriable when the record cannot name its schema at all (mirrored, no headers).
 */
export class UnknownSchemaError extends ContractError {
  constructor(
    readonly ref: SchemaRef,
    message: string,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super('UNKNOWN_SCHEMA', message, { retriable: options.retriable ?? true, cause: options.cause });
  }
}

/** Encode-side validation failure; `path` names the field, e.g. `envelope.hlc.wallMs`. */
export class InvalidEventError extends ContractError {
  constructor(
    readonly eventType: string,
    readonly path: string,
    reason: string,
  ) {
    super('INVALID_EVENT', `${eventType}: ${path}: ${reason}`);
  }
}

/** A schema change that breaks the subject's compatibility mode; `problems` name the fields. */
export class IncompatibleSchemaError extends ContractError {
  constructor(
    readonly subject: string,
    readonly problems: readonly string[],
    options: { cause?: unknown } = {},
  ) {
    super('INCOMPATIBLE_SCHEMA', `${subject} is incompatible: ${problems.join('; ')}`, options);
  }
}

/** The registry could not be reached or answered 5xx/timeout: retry later. */
export class RegistryUnavailableError extends ContractError {
  constructor(
    readonly url: string,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super('REGISTRY_UNAVAILABLE', message, { retriable: true, cause: options.cause });
  }
}
