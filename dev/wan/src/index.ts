export { FaultProxy, Link, type FaultProxyOptions, type LinkFaults, type Target } from './fault-proxy';
export { WanMesh, type LinkStatus, type WanMeshOptions } from './mesh';
export { startWanControl, closeServer, WanControl } from './control';
export { connectionOwner } from './procfs';
