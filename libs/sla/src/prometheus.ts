import { MeridianError } from '@meridian/errors';
import type { ProbeCounts } from './figures';

/** Prometheus could not give a figure: not reachable, or it refused the query. */
export class PrometheusQueryError extends MeridianError<'PROMETHEUS_UNREACHABLE' | 'PROMETHEUS_QUERY'> {}

/** An instant vector query, as `label value → sample value` (e.g. `sum by (region) (…)`). */
export async function prometheusVector(
  prometheusUrl: string,
  query: string,
  label: string,
  timeoutMs = 10_000,
): Promise<Map<string, number>> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`, {
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((e: unknown) => {
    throw new PrometheusQueryError(
      'PROMETHEUS_UNREACHABLE',
      `Prometheus at ${prometheusUrl}: ${(e as Error).message} (is the topology up?)`,
      { retriable: true },
    );
  });
  if (res.status !== 200)
    throw new PrometheusQueryError('PROMETHEUS_QUERY', `Prometheus answered ${res.status} to ${query}`);
  const body = (await res.json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return new Map(body.data.result.map((r) => [r.metric[label] ?? '?', Number(r.value[1])]));
}

/** The SLA probes and the bad ones per scope over `window` (e.g. `1h`), as Prometheus counted them. */
export async function probeCounts(
  prometheusUrl: string,
  window: string,
  timeoutMs?: number,
): Promise<Map<string, ProbeCounts>> {
  const [total, bad] = await Promise.all([
    prometheusVector(
      prometheusUrl,
      `sum by (scope) (increase(meridian_sla_probe_total[${window}]))`,
      'scope',
      timeoutMs,
    ),
    prometheusVector(
      prometheusUrl,
      `sum by (scope) (increase(meridian_sla_probe_total{outcome="bad"}[${window}]))`,
      'scope',
      timeoutMs,
    ),
  ]);
  const out = new Map<string, ProbeCounts>();
  for (const [scope, n] of total) out.set(scope, { scope, total: n, failed: bad.get(scope) ?? 0 });
  return out;
}
