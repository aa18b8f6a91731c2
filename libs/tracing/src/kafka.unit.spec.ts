import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { startTracing, type Tracing } from './sdk';
import { applySpans, startPublishSpan } from './kafka';
import { TRACEPARENT } from './propagation';

// One provider for the file (it is process-global): spans are collected in memory.
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(() => {
  tracing = startTracing({ serviceName: 'test', region: 'us-east', sampleRatio: 1, exporter });
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

async function flushed() {
  // BatchSpanProcessor: force the export of what ended.
  await tracing.flush();
  return exporter.getFinishedSpans();
}

describe('publish span', () => {
  it('is a child of the active span and its traceparent names it, sampled', async () => {
    const parent = tracing.tracer.startSpan('POST /profiles');
    const { span, headers } = startPublishSpan(
      tracing.tracer,
      'publish meridian.profile',
      { 'meridian.region': 'us-east' },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    span.end();
    parent.end();
    const tp = headers[TRACEPARENT]!;
    expect(tp).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId, spanId] = tp.split('-');
    expect(traceId).toBe(parent.spanContext().traceId);
    expect(spanId).toBe(span.spanContext().spanId);
    const spans = await flushed();
    const pub = spans.find((s) => s.name.startsWith('publish'))!;
    expect(pub.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  it('carries no header when the trace is not sampled', () => {
    const unsampled = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 0,
    });
    const { headers } = startPublishSpan(
      tracing.tracer,
      'publish x',
      {},
      trace.setSpan(ROOT_CONTEXT, unsampled),
    );
    expect(headers).toEqual({});
  });
});

describe('apply spans', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentSpan = '00f067aa0ba902b7';
  const record = (offset: string, flags: string, timestamp: string) => ({
    offset,
    timestamp,
    headers: { [TRACEPARENT]: Buffer.from(`00-${traceId}-${parentSpan}-${flags}`) },
  });

  it('gives each sampled mirrored record a hop span from its origin append time and an apply span', async () => {
    const observe = applySpans(tracing.tracer, 'eu');
    const appended = Date.now() - 120;
    const done = observe('us-east.meridian.profile', 3, [
      record('10', '01', String(appended)),
      record('11', '00', String(appended)),
      { offset: '12', timestamp: String(appended), headers: {} },
    ]);
    expect(done).toBeDefined();
    done!({ applied: 3, deadLettered: 0, duplicates: 0 });
    const spans = await flushed();
    expect(spans.map((s) => s.name).sort()).toEqual(['apply eu', 'mirror us-east → eu']);
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe(traceId);
      expect(s.parentSpanContext?.spanId).toBe(parentSpan);
      expect(s.attributes['messaging.kafka.offset']).toBe('10');
    }
    const hop = spans.find((s) => s.name.startsWith('mirror'))!;
    expect(hop.attributes['meridian.hop_ms']).toBeGreaterThanOrEqual(120);
    // The hop starts at the origin's append time (ms precision, as the record carries it).
    expect(hop.startTime[0] * 1000 + Math.floor(hop.startTime[1] / 1e6)).toBe(appended);
    const apply = spans.find((s) => s.name === 'apply eu')!;
    expect(apply.attributes['meridian.batch.applied']).toBe(3);
  });

  it('names a local record a delivery, and marks an apply that failed', async () => {
    const done = applySpans(tracing.tracer, 'us-east')('meridian.profile', 0, [
      record('5', '01', String(Date.now())),
    ]);
    done!(undefined, new Error('store unavailable'));
    const spans = await flushed();
    expect(spans.map((s) => s.name).sort()).toEqual(['apply us-east', 'deliver us-east']);
    const apply = spans.find((s) => s.name === 'apply us-east')!;
    expect(apply.status.code).toBe(2);
    expect(apply.status.message).toBe('store unavailable');
  });

  it('costs nothing for a batch without sampled records', () => {
    const done = applySpans(tracing.tracer, 'eu')('us-west.meridian.profile', 0, [
      record('1', '00', String(Date.now())),
      { offset: '2', timestamp: '1', headers: {} },
    ]);
    expect(done).toBeUndefined();
  });
});
