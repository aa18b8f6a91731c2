export {
  RoutingError,
  UnknownRegionError,
  LimitExceededError,
  NoEligibleRegionError,
  OutcomeUnknownError,
  UpstreamFailedError,
  type RoutingErrorCode,
  type UnknownOutcomeKind,
  type IneligibleReason,
} from './errors';
export {
  DEFAULT_ROUTING_SETTINGS,
  resolveSettings,
  validateRegions,
  UPSTREAM_SERVICES,
  type RegionUpstream,
  type RoutingSettings,
  type UpstreamService,
} from './options';
export {
  decideWrites,
  parseProfileHealth,
  RegionHealth,
  UpstreamHealth,
  type BreakerState,
  type RegionSnapshot,
  type ReportedWrites,
  type ServiceHealthSnapshot,
  type WriteInputs,
  type WriteStatus,
} from './health';
export {
  Router,
  REGION_HEADER,
  SESSION_HEADER,
  type RouteChoice,
  type RouteReason,
  type RouteRequest,
} from './router';
export { TokenBucket } from './limits';
export { routeOf, type RouteTarget } from './http';
export { classifyFailure, OUTCOME_UNKNOWN_CODE, REFUSED_BEFORE_PUBLISH, type FailureKind } from './upstream';
export { GatewayMetrics, type RequestOutcome } from './metrics';
export {
  Gateway,
  IDEMPOTENCY_KEY_HEADER,
  ROUTE_REASON_HEADER,
  ROUTED_REGION_HEADER,
  type DrainResult,
  type GatewayOptions,
} from './gateway';
export { regionsFromTopology } from './topology';
