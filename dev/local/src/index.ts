export { LocalError, type LocalErrorCode } from './errors';
export { ensureKafkaJars, kafkaVersion } from './kafka-jars';
export { LocalPaths } from './paths';
export { isAlive, portOpen, type ProcessRecord } from './processes';
export { probeMirroredHeartbeats, brokerReady, registryReady } from './probes';
export { ensureRegistryApp } from './registry-app';
export { ensureZipkinJar } from './zipkin-app';
export { operatorToken } from './operator-token';
export {
  LocalStack,
  type FlowStatus,
  type Logger,
  type ProcessStatus,
  type StackStatus,
  type UpOptions,
} from './stack';
export { WaitAbortError, waitFor, WaitTimeoutError, type WaitOptions } from './wait';
