/**
 * The inventory service as `meridian local up` runs it in every region (the test topology's three
 * processes), with the projectors serving its model by configuration: conflicting writes from all
 * regions converge to one state everywhere, with the model's rules deciding; invalid requests and
 * shipments the region cannot cover publish nothing.
 */
import { LOCAL_APPS, LOCAL_SERVICES, uniqueName, waitFor, type LocalRegion } from '@meridian/testing';
import { ReadApiClient, type AggregateView } from '@meridian/read-api';

const REGIONS: readonly LocalRegion[] = ['us-east', 'us-west', 'eu'];
const SERVICE = LOCAL_SERVICES['inventory-service'] as Record<LocalRegion, string>;

async function call(region: LocalRegion, method: string, path: string, body?: unknown) {
  const res = await fetch(`${SERVICE[region]}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function ok(region: LocalRegion, method: string, path: string, body?: unknown) {
  const r = await call(region, method, path, body);
  if (r.status !== 200)
    throw new Error(`${method} ${path} in ${region}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const projector = (r: LocalRegion) => new ReadApiClient(LOCAL_APPS[r].projector, { timeoutMs: 5_000 });

/** The SKU in every region's projector once `done` holds for each; fails naming the laggard. */
async function everywhere(sku: string, done: (v: AggregateView) => boolean, what: string) {
  return waitFor(
    async () => {
      const views = await Promise.all(REGIONS.map((r) => projector(r).aggregate('inventory', sku)));
      return views.every((v) => v !== undefined && done(v)) ? (views as AggregateView[]) : false;
    },
    { timeoutMs: 30_000, intervalMs: 100, description: `${sku}: ${what} in every region` },
  );
}

const stockOf = (v: AggregateView, wh: string) => (v.view?.stock as Record<string, number> | undefined)?.[wh];

describe('inventory-service in three regions (real Kafka, MirrorMaker 2, projectors by MODELS)', () => {
  it('converges under conflicting writes from every region: sums add, concurrent titles pick one, a hold survives a release that never saw it', async () => {
    const sku = uniqueName('sku');
    // Concurrent from all regions: a title each, stock received in each.
    await Promise.all(
      REGIONS.map(async (r) => {
        await ok(r, 'PUT', `/items/${sku}`, { title: `Kettle (${r})` });
        await ok(r, 'POST', `/items/${sku}/stock`, { warehouse: 'fra-1', delta: 10 });
      }),
    );
    await everywhere(sku, (v) => stockOf(v, 'fra-1') === 30, 'fra-1 at 30');

    // Shipments from every region at once, and a hold placed in us-east.
    await Promise.all(
      REGIONS.map((r) => ok(r, 'POST', `/items/${sku}/stock`, { warehouse: 'fra-1', delta: -2 })),
    );
    await ok('us-east', 'POST', `/items/${sku}/reservations`, {
      reservationId: 'res-a',
      warehouse: 'fra-1',
      quantity: 3,
      orderId: 'o-1',
    });
    await everywhere(
      sku,
      (v) =>
        stockOf(v, 'fra-1') === 24 &&
        (v.view?.reservations as Record<string, unknown>)?.['res-a'] !== undefined,
      'stock 24 and res-a held',
    );

    // us-west releases res-a while eu (having seen it) re-holds it with 4 units: add-wins keeps eu's.
    await Promise.all([
      ok('us-west', 'DELETE', `/items/${sku}/reservations/res-a`, { reason: 'cancelled' }),
      ok('eu', 'POST', `/items/${sku}/reservations`, {
        reservationId: 'res-a',
        warehouse: 'fra-1',
        quantity: 4,
        orderId: 'o-1',
      }),
    ]);
    const views = await everywhere(
      sku,
      (v) => {
        const res = (v.view?.reservations ?? {}) as Record<string, { quantity: number }>;
        return res['res-a']?.quantity === 4 && Object.values(v.version).reduce((a, b) => a + b, 0) === 12;
      },
      'all twelve events applied, res-a held with 4',
    );

    // One state: the same digest and read shape in every region, the rules' outcome.
    expect(new Set(views.map((v) => v.digest)).size).toBe(1);
    const [first] = views as [AggregateView];
    for (const v of views) expect(v.view).toEqual(first.view);
    expect(['Kettle (us-east)', 'Kettle (us-west)', 'Kettle (eu)']).toContain(first.view?.title);
    // The conflict feed: the same in every region; a title conflict names the read's winner.
    const feeds = await Promise.all(REGIONS.map((r) => projector(r).conflicts('inventory', sku)));
    expect(new Set(feeds.map((f) => JSON.stringify(f?.conflicts))).size).toBe(1);
    const title = feeds[0]?.conflicts.find((c) => c.field === 'title');
    if (title) {
      expect(title.winner.value).toBe(first.view?.title);
      for (const l of title.losers)
        expect(['Kettle (us-east)', 'Kettle (us-west)', 'Kettle (eu)']).toContain(l.value);
    }
    const metrics = await (await fetch(`${LOCAL_APPS['us-west'].projector}/metrics`)).text();
    expect(metrics).toMatch(/^meridian_projector_lww_conflicts\{region="us-west"\} \d+$/m);
    const read = await ok('us-west', 'GET', `/items/${sku}`);
    expect(read).toMatchObject({
      sku,
      stock: { 'fra-1': 24 },
      reservations: { 'res-a': { warehouse: 'fra-1', quantity: 4, orderId: 'o-1' } },
      available: { 'fra-1': 20 },
    });
  });

  it('answers bad input with 400 naming the field and an uncovered shipment with 409, publishing nothing', async () => {
    const sku = uniqueName('sku');
    const bad = [
      await call('eu', 'POST', `/items/${sku}/stock`, { warehouse: 'fra-1', delta: 'ten' }),
      await call('eu', 'POST', `/items/${sku}/stock`, { warehouse: 'FRA 1', delta: 1 }),
      await call('eu', 'PUT', `/items/${sku}`, {}),
      await call('eu', 'POST', `/items/${sku}/reservations`, {
        warehouse: 'fra-1',
        quantity: 0,
        orderId: 'o',
      }),
    ];
    expect(bad.map((b) => b.status)).toEqual([400, 400, 400, 400]);
    expect(bad.map((b) => String(b.body.message))).toEqual([
      expect.stringMatching(/^delta /),
      expect.stringMatching(/^warehouse /),
      expect.stringMatching(/^title /),
      expect.stringMatching(/^quantity /),
    ]);
    await ok('eu', 'POST', `/items/${sku}/stock`, { warehouse: 'fra-1', delta: 2 });
    await everywhere(sku, (v) => stockOf(v, 'fra-1') === 2, 'fra-1 at 2');
    const short = await call('eu', 'POST', `/items/${sku}/stock`, { warehouse: 'fra-1', delta: -3 });
    expect(short.status).toBe(409);
    expect(String(short.body.message)).toMatch(/INSUFFICIENT_STOCK: fra-1 has 2 available/);
    // A marker write after the refusals: once it is applied, exactly two events exist.
    await ok('eu', 'PUT', `/items/${sku}`, { title: 'marker' });
    const [v] = await everywhere(sku, (x) => x.view?.title === 'marker', 'the marker applied');
    expect(Object.values((v as AggregateView).version).reduce((a, b) => a + b, 0)).toBe(2);
    expect(stockOf(v as AggregateView, 'fra-1')).toBe(2);
  });
});
