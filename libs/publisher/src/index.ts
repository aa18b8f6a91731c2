export { PublisherError, type PublisherErrorCode } from './errors';
export { ProducerBatcher, type BatcherOptions } from './batcher';
export {
  HttpSnapshotSource,
  Writer,
  type PreparedWrite,
  type SnapshotSource,
  type WriterOptions,
} from './writer';
export {
  EventPublisher,
  type PublishContext,
  type PublishedEvent,
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
  type MeridianModuleAsyncOptions,
  type MeridianModuleOptions,
} from './nest';
