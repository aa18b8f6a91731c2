import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { slaFigures } from './figures';
import { SlaProber } from './prober';

describe('slaFigures', () => {
  it('availability, budget consumed and burn rates against a 99.99 % objective', () => {
    const f = slaFigures(
      0.9999,
      { scope: 'eu', total: 100_000, failed: 5 },
      { '5m': { scope: 'eu', total: 1000, failed: 1 }, '1h': { scope: 'eu', total: 10_000, failed: 0 } },
    );
    expect(f.availability).toBeCloseTo(0.99995, 10);
    expect(f.budgetFailures).toBeCloseTo(10, 10);
    expect(f.budgetConsumed).toBeCloseTo(0.5, 10);
    expect(f.burnRates['5m']).toBeCloseTo(10, 10);
    expect(f.burnRates['1h']).toBe(0);
    expect(f.meetsObjective).toBe(true);
  });

  it('a missed objective consumes more than the budget; nothing probed says nothing', () => {
    expect(slaFigures(0.9999, { scope: 'global', total: 10_000, failed: 3 })).toMatchObject({
      meetsObjective: false,
      budgetConsumed: expect.closeTo(3, 6),
    });
    const none = slaFigures(0.9999, { scope: 'us-west', total: 0, failed: 0 }, { '5m': undefined });
    expect(none.availability).toBeUndefined();
    expect(none.budgetConsumed).toBeUndefined();
    expect(none.burnRates['5m']).toBeUndefined();
    expect(() => slaFigures(1, { scope: 'x', total: 1, failed: 0 })).toThrow(/objective/);
  });
});

describe('SlaProber', () => {
  let server: Server;
  let url: string;
  /** The fake gateway: which region serves a request asking for `asked` (undefined: 503). */
  let route: (asked: string) => string | undefined;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const served = route(String(req.headers['x-meridian-region']));
      if (!served) {
        res.writeHead(503).end('{}');
        return;
      }
      res.writeHead(req.method === 'GET' && req.url?.endsWith('eu') ? 404 : 200, {
        'x-meridian-routed-region': served,
      });
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function counts(metrics: Registry) {
    const m = (await metrics.getMetricsAsJSON()).find((x) => x.name === 'meridian_sla_probe_total')!;
    return Object.fromEntries(
      (m.values as { labels: Record<string, string>; value: number }[]).map((v) => [
        `${v.labels.scope}/${v.labels.kind}/${v.labels.outcome}`,
        v.value,
      ]),
    );
  }

  it('counts a region good only when it served the probe; global when any region did', async () => {
    const metrics = new Registry();
    const p = new SlaProber({ gatewayUrl: url, regions: ['us-east', 'eu'], ratePerSecond: 1, metrics });
    route = (asked) => (asked === 'eu' ? 'us-east' : asked); // eu is down: the gateway fails over
    await p.probe('us-east');
    await p.probe('eu');
    route = () => undefined; // nothing serves
    await p.probe('us-east');
    expect(await counts(metrics)).toEqual({
      'global/write/good': 2,
      'global/read/good': 2,
      'global/write/bad': 1,
      'global/read/bad': 1,
      'us-east/write/good': 1,
      'us-east/read/good': 1,
      'us-east/write/bad': 1,
      'us-east/read/bad': 1,
      'eu/write/bad': 1,
      'eu/read/bad': 1,
    });
  });
});
