// Public API of @meridian/publisher: the write path of a team's NestJS service — `MeridianModule`, `EventPublisher` (Avro, Confluent wire format, idempotent and fenced by the writer epoch) and its HTTP error mapping.
export { PublisherError, type PublisherErrorCode } from './errors';
export {
  NotSentError,
  ProducerBatcher,
  type BatcherOptions,
  type SendConditions,
  type WriteAck,
} from './batcher';
export { DURABILITIES, type Durability, type RemoteConfirmation, type RemoteConfirmer } from './remote';
export {
  SendFailure,
  type EventProducer,
  type OutgoingMessage,
  type ProducedPartition,
  type TopicMessages,
  type WritePlacement,
} from './producer';
export { KafkaEventProducer, isBeforeSend, type KafkaProducerOptions } from './kafka-producer';
export {
  HttpSnapshotSource,
  IDEMPOTENCY_KEY,
  keyedEventId,
  keyedOrigin,
  Writer,
  type PreparedWrite,
  type SnapshotSource,
  type WriterOptions,
} from './writer';
export {
  EventPublisher,
  type PublishContext,
  type PublishedEvent,
  type PublisherHealth,
  type PublisherOptions,
  type WriteGate,
  type WriteStep,
} from './publisher';
export {
  MERIDIAN_OPTIONS,
  MeridianKafkaDeserializer,
  MeridianKafkaSerializer,
  MeridianModule,
  PublisherErrorFilter,
  publisherErrorStatus,
  type MeridianModuleAsyncOptions,
  type MeridianModuleOptions,
} from './nest';
export { FailpointProducer, PUBLISHER_FAILPOINTS } from './failpoint-producer';
