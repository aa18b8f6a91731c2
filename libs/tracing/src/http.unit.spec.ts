import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { startTracing } from './sdk';
import { requestContext, traceRequest } from './http';
import { injectContext } from './propagation';

const exporter = new InMemorySpanExporter();
const tracing = startTracing({ serviceName: 't', region: 'eu', sampleRatio: 0, exporter });
let server: Server;
let base: string;
/** What the handler forwarded upstream (as the gateway does). */
let forwarded: Record<string, unknown> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    traceRequest(tracing.tracer, req, res);
    forwarded = {};
    const ctx = requestContext(req);
    if (ctx) injectContext(ctx, forwarded);
    res.statusCode = req.url === '/boom' ? 503 : 200;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await tracing.shutdown();
});
beforeEach(() => exporter.reset());

function get(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const caller = '00f067aa0ba902b7';

describe('traceRequest', () => {
  it("continues a caller's sampled traceparent even at ratio 0, and forwards its own span", async () => {
    expect(await get('/boom', { traceparent: `00-${traceId}-${caller}-01` })).toBe(503);
    await tracing.flush();
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe(caller);
    expect(span?.attributes['http.response.status_code']).toBe(503);
    expect(span?.status.code).toBe(2);
    expect(String(forwarded['traceparent'])).toBe(`00-${traceId}-${span!.spanContext().spanId}-01`);
  });

  it('an unsampled caller or a new trace at ratio 0 records nothing, and says so upstream (-00)', async () => {
    await get('/x', { traceparent: `00-${traceId}-${caller}-00` });
    expect(String(forwarded['traceparent'])).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    await get('/y');
    expect(String(forwarded['traceparent'])).toMatch(/-00$/);
    await tracing.flush();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('does not trace scrapes and health probes', async () => {
    await get('/metrics', { traceparent: `00-${traceId}-${caller}-01` });
    await get('/health?x=1', { traceparent: `00-${traceId}-${caller}-01` });
    expect(forwarded).toEqual({});
    await tracing.flush();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });
});
