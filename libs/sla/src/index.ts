export { slaFigures, type ProbeCounts, type SlaFigures } from './figures';
export { SlaProber, type SlaProberOptions } from './prober';
export { probeCounts, prometheusVector, PrometheusQueryError } from './prometheus';
