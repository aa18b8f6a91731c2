import type { Tracer } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { z } from 'zod';
import { loadEnv } from '@meridian/config';

/** The tracer every Meridian span is made with (one instrumentation scope). */
export const TRACER_NAME = 'meridian';

/**
 * The tracing settings of every Meridian process, from its environment. Without
 * `TRACING_ZIPKIN_URL` tracing is off: no provider, no instrumentation, nothing on the hot path.
 */
export const tracingEnv = {
  /** Zipkin's span intake, e.g. http://127.0.0.1:19411/api/v2/spans. Unset: tracing off. */
  TRACING_ZIPKIN_URL: z
    .string()
    .url('the Zipkin v2 span intake, e.g. http://127.0.0.1:9411/api/v2/spans')
    .optional(),
  /**
   * Share of new traces recorded (0..1). A request that arrives with a sampled `traceparent` is
   * always recorded (parent-based), so a client can trace one write on purpose.
   */
  TRACING_SAMPLE_RATIO: z.coerce.number().min(0, 'between 0 and 1').max(1, 'between 0 and 1').default(0.01),
};

export interface TracingOptions {
  /** `service.name` in the trace backend, e.g. `projector-eu`. */
  serviceName: string;
  region: string;
  sampleRatio: number;
  /** Zipkin's span intake; or `exporter` (tests). */
  zipkinUrl?: string;
  exporter?: SpanExporter;
}

/** What a process holds when tracing is on: its tracer, and a flush for shutdown. */
export interface Tracing {
  readonly tracer: Tracer;
  /** Sends what is buffered now. */
  flush(): Promise<void>;
  /** Sends what is buffered and stops (graceful shutdown). */
  shutdown(): Promise<void>;
}

/**
 * A tracer provider (parent-based ratio sampling, batched export to Zipkin) whose tracer is handed
 * to what traces: nothing is registered globally, and no context manager is installed. Context is
 * passed explicitly (request → publish, record headers → apply): on Node 20 the AsyncLocalStorage
 * context manager hooks every promise of the process, and measured on profile-service's ceiling it
 * cost more than everything else tracing does (docs/INTERNALS.md, Tracing).
 */
export function startTracing(o: TracingOptions): Tracing {
  const exporter = o.exporter ?? new ZipkinExporter({ url: o.zipkinUrl!, serviceName: o.serviceName });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': o.serviceName,
      'cloud.region': o.region,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(o.sampleRatio) }),
    // Batched off the request path; a full queue drops spans rather than slow writes down.
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 8192, scheduledDelayMillis: 500 })],
  });
  return {
    tracer: provider.getTracer(TRACER_NAME),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Tracing as the environment configures it (`tracingEnv`), or `undefined` when it is off. Invalid
 * settings stop the process with the variable named.
 */
export function startTracingFromEnv(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): Tracing | undefined {
  const c = loadEnv(serviceName, tracingEnv, env);
  if (c.TRACING_ZIPKIN_URL === undefined) return undefined;
  const region = env['REGION'] ?? 'global';
  return startTracing({
    serviceName: region === 'global' ? serviceName : `${serviceName}-${region}`,
    region,
    sampleRatio: c.TRACING_SAMPLE_RATIO,
    zipkinUrl: c.TRACING_ZIPKIN_URL,
  });
}

/**
 * `startTracingFromEnv` for a process's entry point: an invalid setting prints the variable named
 * and exits non-zero (before anything else starts).
 */
export function tracingFromEnvOrExit(serviceName: string): Tracing | undefined {
  try {
    return startTracingFromEnv(serviceName);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
