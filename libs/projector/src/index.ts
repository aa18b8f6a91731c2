export {
  ProjectionEngine,
  RetriableBatchError,
  type AggregateModel,
  type BatchOutcome,
  type DeadLetterSink,
  type EngineOptions,
  type Poison,
  type RawRecord,
} from './engine';
export {
  KafkaDeadLetterSink,
  KafkaProjectorRunner,
  sourceTopicPattern,
  type KafkaRunnerOptions,
} from './kafka';
