/**
 * One write, one trace, three regions: a request through the gateway with a sampled W3C
 * `traceparent` is traced by the gateway, the us-east service (HTTP and publish), and by every
 * region's projector (the hop from the origin's append and the apply), all found by trace id in
 * the topology's Zipkin. MirrorMaker 2 carries the header unchanged; nothing else links the spans.
 */
import { randomBytes } from 'node:crypto';
import { findRepoRoot, loadTopology } from '@meridian/topology';
import { uniqueName, waitFor } from '@meridian/testing';

const t = loadTopology('active-active', findRepoRoot());
const zipkin = `http://127.0.0.1:${t.tracing!.zipkin.port}`;
const gateway = `http://127.0.0.1:${t.gateway!.port}`;

interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  timestamp: number; // µs
  duration?: number; // µs
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

async function trace(traceId: string): Promise<ZipkinSpan[]> {
  const res = await fetch(`${zipkin}/api/v2/trace/${traceId}`);
  if (res.status === 404) return [];
  expect(res.status).toBe(200);
  return (await res.json()) as ZipkinSpan[];
}

const service = (s: ZipkinSpan) => s.localEndpoint?.serviceName ?? '';

describe('distributed tracing across regions (Zipkin)', () => {
  it('finds the write published in us-east and applied in us-west and eu in one trace, with each hop timed', async () => {
    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const id = uniqueName('traced');
    const res = await fetch(`${gateway}/profiles/${id}/credit`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-meridian-region': 'us-east',
        traceparent: `00-${traceId}-${clientSpan}-01`,
      },
      body: JSON.stringify({ amountCents: 125 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-meridian-routed-region')).toBe('us-east');

    const want = t.regions.map((r) => `apply ${r.name}`);
    let spans: ZipkinSpan[] = [];
    await waitFor(
      async () => {
        spans = await trace(traceId);
        const names = new Set(spans.map((s) => s.name));
        return (
          want.every((w) => names.has(w)) &&
          names.has('mirror us-east → us-west') &&
          names.has('mirror us-east → eu')
        );
      },
      {
        timeoutMs: 30_000,
        intervalMs: 500,
        description: `trace ${traceId} to hold the applies of every region`,
      },
    );
    const byId = new Map(spans.map((s) => [s.id, s]));
    const services = new Set(spans.map(service));
    for (const s of ['gateway', 'profile-service-us-east', ...t.regions.map((r) => `projector-${r.name}`)])
      expect(services).toContain(s);

    // The chain: client → gateway (server) → service (server) → publish → per region hop + apply.
    const publish = spans.find((s) => s.name === 'publish meridian.profile')!;
    expect(service(publish)).toBe('profile-service-us-east');
    expect(publish.tags?.['meridian.outcome']).toBe('stored');
    let up: ZipkinSpan | undefined = publish;
    const chain: string[] = [];
    while (up?.parentId !== undefined) {
      chain.push(service(up));
      up = byId.get(up.parentId);
      if (!up) break;
    }
    expect(chain).toContain('profile-service-us-east');
    expect(spans.some((s) => service(s) === 'gateway' && s.parentId === clientSpan)).toBe(true);

    const rows: string[] = [];
    for (const r of t.regions) {
      const apply = spans.find((s) => s.name === `apply ${r.name}`)!;
      expect(service(apply)).toBe(`projector-${r.name}`);
      expect(apply.parentId).toBe(publish.id);
      expect(apply.tags?.['meridian.batch.applied']).toBeDefined();
      const hop = spans.find(
        (s) => s.parentId === publish.id && service(s) === `projector-${r.name}` && s !== apply,
      )!;
      expect(hop).toBeDefined();
      const hopMs = Number(hop.tags?.['meridian.hop_ms']);
      if (r.name === 'us-east') {
        expect(hop.name).toBe('deliver us-east');
      } else {
        expect(hop.name).toBe(`mirror us-east → ${r.name}`);
        // A remote copy crossed the WAN (40 ± 5 ms one way) at least once.
        expect(hopMs).toBeGreaterThanOrEqual(t.wan!.delayMs - t.wan!.jitterMs);
      }
      rows.push(`${r.name}: hop ${hopMs} ms, apply ${apply.tags?.['meridian.apply_ms']} ms`);
    }
    console.log(`trace ${traceId}: publish ${(publish.duration ?? 0) / 1000} ms; ${rows.join('; ')}`);
  });

  it('a request whose traceparent is not sampled leaves no span anywhere (parent-based sampling)', async () => {
    const traceId = randomBytes(16).toString('hex');
    const res = await fetch(`${gateway}/profiles/${uniqueName('untraced')}/credit`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-00`,
      },
      body: JSON.stringify({ amountCents: 1 }),
    });
    expect(res.status).toBe(200);
    // Condition to wait on: a later sampled write's trace is complete, so this one had its chance.
    const later = randomBytes(16).toString('hex');
    await fetch(`${gateway}/profiles/${uniqueName('traced')}/credit`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${later}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({ amountCents: 1 }),
    });
    await waitFor(async () => (await trace(later)).some((s) => s.name === 'apply eu'), {
      timeoutMs: 30_000,
      intervalMs: 500,
      description: 'the sampled write to be traced to eu',
    });
    expect(await trace(traceId)).toEqual([]);
  });
});
