import type { CompatibilityMode, CompatibilityResult } from './compatibility';

/** One version of a subject as the registry stores it. */
export interface RegisteredSchema {
  readonly subject: string;
  readonly version: number;
  /** Registry-local id: the same schema can have another id in another region's registry. */
  readonly id: number;
  readonly schema: string;
}

/**
 * Port to a schema registry (Confluent REST API or an in-memory fake). Ids are local to one registry;
 * the serde never assumes two registries agree on them. Failures are ContractErrors:
 * REGISTRY_UNAVAILABLE (retriable), UNKNOWN_SCHEMA, INCOMPATIBLE_SCHEMA, REGISTRY_ERROR.
 */
export interface SchemaRegistry {
  /** A label for messages, e.g. the base URL. */
  readonly name: string;
  /** Registers `schema` under `subject` and returns its id; registering it again returns the same id. */
  register(subject: string, schema: string): Promise<number>;
  /** The version of `subject` holding exactly this schema, or undefined. Never registers. */
  lookup(subject: string, schema: string): Promise<RegisteredSchema | undefined>;
  /** Schema text by id; throws UnknownSchemaError when absent. */
  getSchemaById(id: number): Promise<string>;
  /** Throws UnknownSchemaError when the subject has no version. */
  getLatest(subject: string): Promise<RegisteredSchema>;
  /** Version numbers, ascending; empty when the subject does not exist. */
  listVersions(subject: string): Promise<number[]>;
  getVersion(subject: string, version: number): Promise<RegisteredSchema>;
  /** Would `schema` be accepted as the next version of `subject` under its compatibility mode? */
  testCompatibility(subject: string, schema: string): Promise<CompatibilityResult>;
  /** The subject's mode, or the global default when the subject has none. */
  getCompatibility(subject: string): Promise<CompatibilityMode>;
  setCompatibility(subject: string, mode: CompatibilityMode): Promise<void>;
}
