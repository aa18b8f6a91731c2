import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { extractContext } from './propagation';

// The request's trace context, for what the request does later (the publish), without a context manager.
const contexts = new WeakMap<IncomingMessage, Context>();

/** Paths that are not requests worth a trace: scrapes and health probes. */
const UNTRACED = /^\/(metrics|health)(\/|\?|$)/;

/**
 * Starts the server span of one request — a child of the caller's `traceparent` if it sent one
 * (sampled or not: the decision is the caller's), else a new trace sampled at the ratio — and ends
 * it when the response is done, named by the matched route when the framework set one. Returns the
 * context to continue (also `requestContext(req)`), undefined for untraced paths.
 */
export function traceRequest(tracer: Tracer, req: IncomingMessage, res: ServerResponse): Context | undefined {
  const url = req.url ?? '/';
  if (UNTRACED.test(url)) return undefined;
  const method = req.method ?? 'GET';
  const parent = extractContext(req.headers);
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': method, 'url.path': url.split('?', 1)[0]! },
    },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  contexts.set(req, ctx);
  if (span.isRecording()) {
    res.once('close', () => {
      const route = (req as { route?: { path?: unknown } }).route?.path;
      if (typeof route === 'string') span.updateName(`${method} ${route}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
  }
  return ctx;
}

/** The trace context `traceRequest` started for this request, if any. */
export function requestContext(req: IncomingMessage): Context | undefined {
  return contexts.get(req);
}

/** `traceRequest` as an Express/NestJS middleware (`app.use(httpTracing(tracer))`). */
export function httpTracing(tracer: Tracer) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    traceRequest(tracer, req, res);
    next();
  };
}
