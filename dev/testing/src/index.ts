export { WaitAbortError, waitFor, WaitTimeoutError, type WaitOptions } from '@meridian/local';
export { uniqueName } from './names';
export {
  LOCAL_APPS,
  LOCAL_GATEWAY,
  LOCAL_MONITOR,
  LOCAL_PROJECTORS,
  LOCAL_REGIONS,
  LOCAL_REGISTRIES,
  LOCAL_SERVICES,
  SHIPPED_TOPOLOGY,
  type LocalRegion,
  localKafka,
  localRegionEnv,
  readRecords,
  type ReadRecord,
} from './kafka';
export {
  chaosPlan,
  CHAOS_FAULT_KINDS,
  describeChaosPlan,
  type ChaosFault,
  type ChaosFaultKind,
  type ChaosPlan,
} from './chaos-plan';
export {
  regionOutage,
  runDrill,
  survivorEventIds,
  type DrillOptions,
  type DrillResult,
  type DrillWrite,
} from './drill';
export { ensurePrimary, localUp, meridian, quorumVia, REVIVE_TIMEOUT_MS } from './stack';
export { EtcdCluster, type EtcdClusterOptions } from './etcd-cluster';
export { TEST_PORT_OFFSET, testTopologyEnv, useTestTopology } from './test-topology';
export { artifactPath, chromiumPath, launchBrowser, type PageDocument, type PageElement } from './browser';
