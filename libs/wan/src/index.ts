export { FaultProxy, type FaultProxyOptions, type LinkFaults } from './fault-proxy';
