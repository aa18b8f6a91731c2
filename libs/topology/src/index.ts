export { TopologyError } from './errors';
export type { Flow, MirrorSettings, Region, Topology } from './model';
export {
  bootstrapServers,
  inboundFlows,
  loadTopology,
  parseTopology,
  region,
  registryUrl,
  resolveTopologyPath,
  topologiesDir,
} from './load';
export {
  checkpointsTopic,
  deadLetterTopic,
  HEARTBEATS_TOPIC,
  mirroredHeartbeatsTopic,
  remoteTopicName,
  sourceRegionOf,
} from './naming';
export { mirrorTargets, renderBrokerProperties, renderMirrorMakerProperties } from './render';
