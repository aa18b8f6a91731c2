export { startTracing, startTracingFromEnv, tracingEnv, tracingFromEnvOrExit, TRACER_NAME } from './sdk';
export type { Tracing, TracingOptions } from './sdk';
export { applySpans, endSpan, startPublishSpan } from './kafka';
export type { TracedOutcome, TracedRecord } from './kafka';
export { httpTracing, requestContext, traceRequest } from './http';
export { extractContext, injectContext, TRACEPARENT, type HeaderCarrier } from './propagation';
export { ROOT_CONTEXT, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
