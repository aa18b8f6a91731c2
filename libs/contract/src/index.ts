// Public API of @meridian/contract: the event contract (Avro schemas, generated types, serde).
export {
  ContractError,
  UnknownSchemaError,
  InvalidEventError,
  IncompatibleSchemaError,
  RegistryUnavailableError,
  type ContractErrorCode,
  type SchemaRef,
} from './errors';
export * from './generated';
export {
  loadSchemaFiles,
  loadSchemaDir,
  readSchemaDir,
  readSchemaFilesAtRef,
  findSchemasDir,
  fingerprintOf,
  parseAvro,
  ENVELOPE_NAME,
  type LoadedSchema,
  type SchemaSet,
} from './schema-set';
export { envelopeSchemaText, loadModelSchemas } from './model-schemas';
export { generateTypes, GENERATED_HEADER } from './codegen';
export { writeGeneratedTypes, generatedDirFor, type GenerateResult } from './generate';
export {
  checkAgainstPrevious,
  checkAgainstVersions,
  isCompatibilityMode,
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  type CompatibilityResult,
} from './compatibility';
export type { SchemaRegistry, RegisteredSchema } from './registry';
export { InMemorySchemaRegistry, type InMemoryRegistryOptions } from './in-memory-registry';
export { ConfluentSchemaRegistry, type ConfluentRegistryOptions } from './confluent-registry';
export {
  EventSerde,
  generatedReaders,
  MAGIC_BYTE,
  type SerdeOptions,
  type EncodedEvent,
  type DecodeSource,
  type ReaderSchema,
} from './serde';
export { SUBJECT_HEADER, FINGERPRINT_HEADER, type KafkaHeaders, type KafkaHeaderValue } from './headers';
export { deadLetterHeaders, DLQ_HEADERS, type RecordSource } from './dead-letter';
export {
  registerAll,
  checkSchemaChanges,
  checkAgainstRegistry,
  loadCompatibilityConfig,
  parseCompatibilityConfig,
  modeFor,
  DEFAULT_COMPATIBILITY,
  type CompatibilityConfig,
  type RegistrationResult,
  type CheckReport,
  type SubjectCheck,
  type SubjectStatus,
} from './registration';
