export {
  ProjectionEngine,
  RetriableBatchError,
  type AggregateModel,
  type BatchOutcome,
  type DeadLetterSink,
  type EngineOptions,
  type FetchInfo,
  type Poison,
  type RawRecord,
} from './engine';
export {
  KafkaDeadLetterSink,
  KafkaProjectorRunner,
  sourceTopicPattern,
  type KafkaRunnerOptions,
} from './kafka';
export { PositionAheadOfLogError, ProjectorError, type ProjectorErrorCode } from './errors';
export { decideSkew, DEFAULT_MAX_FORWARD_SKEW_MS, type SkewDecision, type SkewInput } from './skew';
