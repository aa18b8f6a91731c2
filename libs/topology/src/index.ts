// Public API of @meridian/topology: the topology model (regions, flows, services, models, WAN, failover settings) and its YAML loader.
export { TopologyError } from './errors';
export { findRepoRoot } from './root';
export type {
  FailoverSettings,
  TracingSettings,
  Flow,
  MirrorPlacement,
  MirrorSettings,
  Region,
  ServiceApp,
  Topology,
  WanSettings,
} from './model';
export {
  loadTopology,
  MAX_PORT_OFFSET,
  parseTopology,
  mirrorPlacementFromEnv,
  portOffsetFromEnv,
  resolveTopologyPath,
  topologiesDir,
} from './load';
export { bootstrapServers, inboundFlows, region, registryUrl } from './lookup';
export {
  aggregateTopic,
  checkpointsTopic,
  isMirroredTopic,
  LOCAL_TOPIC_PREFIX,
  sourceTopicPattern,
  deadLetterTopic,
  HEARTBEATS_TOPIC,
  mirroredHeartbeatsTopic,
  remoteTopicName,
  sourceRegionOf,
} from './naming';
export {
  mirrorProcess,
  mirrorRegions,
  mirrorRenderName,
  renderBrokerProperties,
  renderMirrorMakerProperties,
  type MirrorProcess,
} from './render';
export { renderAlertRules, renderPrometheusConfig } from './prometheus';
export {
  brokerWanListenerPort,
  etcdPeerProxyPort,
  linkKey,
  reachBootstrap,
  reachPort,
  wanLinks,
  wanListenerName,
  wanProxyPlan,
  wanProxyPort,
  type WanLink,
  type WanProxyPlan,
  type WanService,
} from './wan';
