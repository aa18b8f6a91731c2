import { type Context, ROOT_CONTEXT, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** The W3C trace-context header, in HTTP requests and in Kafka record headers (MirrorMaker 2 copies them byte for byte). */
export const TRACEPARENT = 'traceparent';

// One W3C propagator, used explicitly (nothing global is registered).
const w3c = new W3CTraceContextPropagator();

/** Headers as node:http and kafkajs give them: strings, string arrays or Buffers. */
export type HeaderCarrier = Readonly<Record<string, unknown>>;

const getter: TextMapGetter<HeaderCarrier> = {
  keys: (c) => Object.keys(c),
  get: (c, k) => {
    const v = c[k];
    if (v === undefined || v === null) return undefined;
    if (Buffer.isBuffer(v)) return v.toString('latin1');
    return Array.isArray(v) ? v.map(String) : String(v);
  },
};

const setter: TextMapSetter<Record<string, unknown>> = {
  set: (c, k, v) => {
    c[k] = v;
  },
};

/** The trace context a carrier's `traceparent`/`tracestate` name (the root context when none). */
export function extractContext(headers: HeaderCarrier): Context {
  return w3c.extract(ROOT_CONTEXT, headers, getter);
}

/** Writes `traceparent` (and `tracestate`) of the context's span into the carrier; nothing without one. */
export function injectContext(ctx: Context, headers: Record<string, unknown>): void {
  w3c.inject(ctx, headers, setter);
}
