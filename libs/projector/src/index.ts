// Public API of @meridian/projector: the projection engine — folds decoded events into a store in batches, idempotently, with dead-lettering and the Kafka runner.
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
  engineBatchLoop,
  KafkaDeadLetterSink,
  KafkaProjectorRunner,
  type BatchLoopOptions,
  type BatchObserver,
  type KafkaRunnerOptions,
} from './kafka';
export { PositionAheadOfLogError, ProjectorError, type ProjectorErrorCode } from './errors';
export { EpochTracker, type EpochObservation, type EpochTrackerStats } from './epoch-tracker';
export { decideSkew, DEFAULT_MAX_FORWARD_SKEW_MS, type SkewDecision, type SkewInput } from './skew';
export {
  addressOf,
  countByCode,
  DeadLetterError,
  filterDeadLetters,
  findDeadLetter,
  formatAge,
  hexPrefix,
  indexDeadLetters,
  parseOffsetRef,
  parseSince,
  REAPPLIED_MARKER,
  REAPPLY_HEADERS,
  reappliedMarkerRecord,
  reapplyRecord,
  selectDeadLetters,
  type CodeCount,
  type DeadLetter,
  type DeadLetterErrorCode,
  type DeadLetterIndex,
  type DeadLetterRecord,
  type OffsetRef,
  type OutgoingRecord,
  type ReappliedMarker,
  type Selected,
  type Selection,
  type TopicAddress,
} from './dead-letters';
export {
  KafkaDeadLetterQueue,
  type DeadLetterQueueOptions,
  type Reapplied,
  type ReapplyProgress,
} from './dead-letters.kafka';
