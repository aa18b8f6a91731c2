import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import pino from 'pino';
import { InMemorySchemaRegistry, registerAll } from '@meridian/contract';
import { profileSteps } from '@meridian/domain';
import { startTracing, TRACEPARENT } from '@meridian/tracing';
import { fakeProducer } from './fake-producer.spec-helper';
import { EventPublisher } from './publisher';
import { PublisherError } from './errors';

const exporter = new InMemorySpanExporter();
const tracing = startTracing({ serviceName: 't', region: 'us-east', sampleRatio: 1, exporter });
afterAll(() => tracing.shutdown());

async function world(withTracer: boolean) {
  const registry = new InMemorySchemaRegistry({ name: 'us-east', firstId: 1 });
  await registerAll(registry);
  const f = fakeProducer();
  const publisher = new EventPublisher({
    region: 'us-east',
    kafka: { brokers: ['127.0.0.1:1'] },
    registry,
    producerFactory: f.make,
    lingerMs: 1,
    logger: pino({ level: 'silent' }),
    ...(withTracer ? { tracer: tracing.tracer } : {}),
  });
  return { f, publisher };
}

describe('EventPublisher tracing', () => {
  it("puts the publish span's traceparent on every record of the write, inside the caller's trace", async () => {
    const w = await world(true);
    const request = tracing.tracer.startSpan('POST /profiles/ada');
    await w.publisher.publish(
      'profile',
      'ada',
      [profileSteps.adjustCredit(5), profileSteps.adjustCredit(7)],
      {
        trace: trace.setSpan(ROOT_CONTEXT, request),
      },
    );
    request.end();
    expect(w.f.log).toHaveLength(2);
    const parents = w.f.log.map((l) => String(l.message.headers?.[TRACEPARENT]));
    expect(new Set(parents).size).toBe(1);
    const [, traceId, spanId] = parents[0]!.split('-');
    expect(traceId).toBe(request.spanContext().traceId);
    await tracing.flush();
    const publish = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === spanId)!;
    expect(publish.name).toBe('publish meridian.profile');
    expect(publish.attributes).toMatchObject({ 'meridian.outcome': 'stored', 'meridian.events': 2 });
    expect(publish.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    const prepare = exporter.getFinishedSpans().find((s) => s.name === 'prepare profile')!;
    expect(prepare.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    await w.publisher.close();
  });

  it('records a failed send on the span with what the client is told', async () => {
    const w = await world(true);
    exporter.reset();
    w.f.next('refused');
    const err = await w.publisher.publish('profile', 'bob', [profileSteps.adjustCredit(1)]).catch((e) => e);
    expect(err).toBeInstanceOf(PublisherError);
    await tracing.flush();
    const publish = exporter.getFinishedSpans().find((s) => s.name.startsWith('publish'))!;
    expect(publish.attributes['meridian.outcome']).toBe('NOT_STORED');
    expect(publish.status.code).toBe(2);
    await w.publisher.close();
  });

  it('without a tracer adds no header and no span', async () => {
    const w = await world(false);
    exporter.reset();
    await w.publisher.publish('profile', 'cy', [profileSteps.adjustCredit(1)]);
    expect(w.f.log[0]!.message.headers?.[TRACEPARENT]).toBeUndefined();
    await tracing.flush();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await w.publisher.close();
  });
});
