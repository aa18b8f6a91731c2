export {
  drainVerdict,
  flowFigures,
  mappedEnd,
  mirroredEnd,
  partitionFigures,
  replicationLatency,
  type FlowFigures,
  type FlowInput,
  type PartitionFigures,
  type PartitionInput,
  type RegionSampling,
  type RpoDating,
} from './figures';
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
export { ReplicationMonitor, type MonitorOptions } from './monitor';
export { flowAtRisk, TailIndex, type AggregateAtRisk, type FlowAtRisk, type TailRecord } from './at-risk';
export { registerMonitorMetrics } from './metrics';
export { recordTimestampBound, type OffsetAtTimestamp } from './record-time';
export { KafkaRegionClient, type PartitionOffsets, type RegionClient } from './region-client';
export {
  OffsetSyncConfirmer,
  type ConfirmTarget,
  type ConfirmTargetStatus,
  type OffsetSyncConfirmerOptions,
} from './remote-confirmer';
