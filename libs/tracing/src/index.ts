// Public API of @meridian/tracing: OpenTelemetry tracing — W3C trace context in Kafka headers, publish and apply spans, Zipkin export, off at no cost.
export { startTracing, startTracingFromEnv, tracingEnv, tracingFromEnvOrExit, TRACER_NAME } from './sdk';
export type { Tracing, TracingOptions } from './sdk';
export { applySpans, endSpan, startPublishSpan } from './kafka';
export type { TracedOutcome, TracedRecord } from './kafka';
export { httpTracing, requestContext, traceRequest } from './http';
export { extractContext, injectContext, TRACEPARENT, type HeaderCarrier } from './propagation';
export { ROOT_CONTEXT, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
