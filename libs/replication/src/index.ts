export { OffsetHistory } from './history';
export {
  encodeOffsetSync,
  FormatError,
  offsetSyncsTopic,
  parseHeartbeat,
  parseOffsetSync,
  type Heartbeat,
  type OffsetSync,
} from './mm2-formats';
export { ReplicationMonitor, type FlowFigures, type MonitorOptions, type PartitionFigures } from './monitor';
export { registerMonitorMetrics } from './metrics';
