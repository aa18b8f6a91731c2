// Public API of @meridian/metrics: get-or-create Prometheus metrics and the /metrics endpoint.
export { counter, gauge, histogram, metricsController } from './metrics';
