import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { extractContext, injectContext, TRACEPARENT } from './propagation';

/** A consumed record as the projector's batch loop holds it (only what the spans need). */
export interface TracedRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly headers?: Readonly<Record<string, unknown>> | undefined;
}

/** What an applied batch came to (the engine's counts). */
export interface TracedOutcome {
  readonly applied: number;
  readonly deadLettered: number;
  readonly duplicates: number;
}

/** `traceparent` with its sampled flag set (`…-01`): the only records that get spans. */
function sampledParent(headers: Readonly<Record<string, unknown>>): string | undefined {
  const v = headers[TRACEPARENT];
  if (v === undefined || v === null) return undefined;
  const s = Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
  // version-traceid-spanid-flags; bit 0 of flags is "sampled".
  return s.length >= 55 && (parseInt(s.slice(53, 55), 16) & 1) === 1 ? s : undefined;
}

/** A remote (mirrored) topic carries its source region as prefix (DefaultReplicationPolicy). */
function sourceRegion(topic: string, local: string): string {
  return topic.startsWith('meridian.') ? local : (topic.split('.', 1)[0] ?? local);
}

/**
 * The projector's per-batch observer: for each record whose `traceparent` is sampled, two spans in
 * the writer's trace — the hop (from the origin's append time, the record timestamp MirrorMaker 2
 * preserves, to this projector receiving it: mirror + fetch for a remote copy, fetch for a local
 * record) and the apply (receipt to the engine's commit). Records without one cost a header lookup.
 */
export function applySpans(
  tracer: Tracer,
  region: string,
): (
  topic: string,
  partition: number,
  records: readonly TracedRecord[],
) => ((out: TracedOutcome | undefined, err?: unknown) => void) | undefined {
  return (topic, partition, records) => {
    let traced: { r: TracedRecord; parent: Context }[] | undefined;
    for (const r of records) {
      if (r.headers === undefined || sampledParent(r.headers) === undefined) continue;
      (traced ??= []).push({ r, parent: extractContext(r.headers) });
    }
    if (!traced) return undefined;
    const receivedAt = Date.now();
    const from = sourceRegion(topic, region);
    const hop = from === region ? 'local' : 'mirror';
    const applies: Span[] = traced.map(({ r, parent }) => {
      const appendedAt = Number(r.timestamp);
      const attrs = {
        'meridian.region': region,
        'meridian.source_region': from,
        'meridian.hop': hop,
        'messaging.system': 'kafka',
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(partition),
        'messaging.kafka.offset': r.offset,
      };
      if (Number.isFinite(appendedAt) && appendedAt > 0) {
        tracer
          .startSpan(
            hop === 'mirror' ? `mirror ${from} → ${region}` : `deliver ${region}`,
            {
              kind: SpanKind.CONSUMER,
              startTime: Math.min(appendedAt, receivedAt),
              attributes: { ...attrs, 'meridian.hop_ms': receivedAt - appendedAt },
            },
            parent,
          )
          .end(receivedAt);
      }
      return tracer.startSpan(
        `apply ${region}`,
        {
          kind: SpanKind.CONSUMER,
          startTime: receivedAt,
          attributes: { ...attrs, 'meridian.batch.records': records.length },
        },
        parent,
      );
    });
    return (out, err) => {
      const end = Date.now();
      for (const s of applies) {
        if (out) {
          s.setAttributes({
            'meridian.batch.applied': out.applied,
            'meridian.batch.dead_lettered': out.deadLettered,
            'meridian.batch.duplicates': out.duplicates,
            'meridian.apply_ms': end - receivedAt,
          });
        } else {
          s.setStatus({
            code: SpanStatusCode.ERROR,
            message: err instanceof Error ? err.message : 'not applied',
          });
        }
        s.end(end);
      }
    };
  };
}

/**
 * Starts the publish span (a child of `parent`, e.g. the HTTP request's context; a new trace
 * without one) and the headers that carry it into the records: every region's projector continues
 * the same trace from them. An unsampled span gets no headers (nothing downstream records it).
 */
export function startPublishSpan(
  tracer: Tracer,
  name: string,
  attributes: Record<string, string | number>,
  parent: Context = ROOT_CONTEXT,
): { span: Span; headers: Record<string, string> } {
  const span = tracer.startSpan(name, { kind: SpanKind.PRODUCER, attributes }, parent);
  const headers: Record<string, string> = {};
  if (span.isRecording()) injectContext(trace.setSpan(parent, span), headers);
  return { span, headers };
}

/** Ends a span with the outcome of what it timed. */
export function endSpan(span: Span, err?: unknown, attributes?: Record<string, string | number>): void {
  if (attributes) span.setAttributes(attributes);
  if (err !== undefined) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}
