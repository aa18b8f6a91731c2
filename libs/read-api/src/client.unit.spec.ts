import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReadApiClient } from './client';

// A real HTTP server standing in for a projector: what goes over the wire is what is checked.
describe('ReadApiClient', () => {
  let server: Server;
  let base: string;
  const seen: { url: string; ifNoneMatch?: string }[] = [];
  let flaky = 0;
  let slow = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({
        url: req.url ?? '',
        ...(req.headers['if-none-match'] ? { ifNoneMatch: req.headers['if-none-match'] } : {}),
      });
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      if (req.url === '/aggregates/profile/order%2F1%20%C3%A9') {
        if (req.headers['if-none-match'] === '"d1"') return send(304);
        return send(200, { aggregateId: 'order/1 é', digest: 'd1' }, { etag: '"d1"' });
      }
      if (req.url === '/digest/profile?after=a&limit=2')
        return send(200, { items: [{ aggregateId: 'b', digest: 'x' }] });
      if (req.url === '/digest?type=profile') return send(200, { digest: 'p' });
      if (req.url === '/positions') return send(503, { message: 'starting' });
      // The first request on this path finds its connection closed under it; the next is answered.
      if (req.url === '/aggregates/profile/flaky') {
        flaky += 1;
        if (flaky === 1) return req.socket.destroy();
        return send(200, { aggregateId: 'flaky' });
      }
      if (req.url === '/aggregates/profile/slow') {
        slow += 1;
        return; // never answers
      }
      if (req.url?.startsWith('/aggregates/profile/bad')) return send(400, { message: 'id must be' });
      return send(404, { message: 'none' });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('sends a GET again once when its connection closed under it, never after a timeout', async () => {
    const c = new ReadApiClient(base, { timeoutMs: 300 });
    expect(await c.aggregate('profile', 'flaky')).toMatchObject({ aggregateId: 'flaky' });
    expect(flaky).toBe(2);
    await expect(c.aggregate('profile', 'slow')).rejects.toMatchObject({ code: 'READ_API_UNAVAILABLE' });
    expect(slow).toBe(1);
  });

  it('encodes ids into the path and reads views; a 404 is no view', async () => {
    const c = new ReadApiClient(base);
    expect(await c.aggregate('profile', 'order/1 é')).toMatchObject({ aggregateId: 'order/1 é' });
    expect(await c.aggregate('profile', 'nobody')).toBeUndefined();
    expect(await c.document('profile', 'nobody')).toBeUndefined();
  });

  it('revalidates with the ETag: 304 → not-modified, else the view and its ETag', async () => {
    const c = new ReadApiClient(base);
    expect(await c.aggregateIfChanged('profile', 'order/1 é', '"d1"')).toBe('not-modified');
    expect(await c.aggregateIfChanged('profile', 'order/1 é', '"old"')).toMatchObject({ etag: '"d1"' });
    expect(seen.at(-1)).toMatchObject({ ifNoneMatch: '"old"' });
  });

  it('pages digests and asks one type', async () => {
    const c = new ReadApiClient(base);
    expect((await c.digests('profile', { after: 'a', limit: 2 })).items).toEqual([
      { aggregateId: 'b', digest: 'x' },
    ]);
    expect((await c.digest('profile')).digest).toBe('p');
  });

  it('says which failures may pass: 5xx and no answer are retriable, 4xx is not', async () => {
    const c = new ReadApiClient(base);
    await expect(c.positions()).rejects.toMatchObject({
      code: 'READ_API_ERROR',
      status: 503,
      retriable: true,
    });
    await expect(c.aggregate('profile', 'bad')).rejects.toMatchObject({
      code: 'READ_API_ERROR',
      status: 400,
      retriable: false,
    });
    const gone = new ReadApiClient('http://127.0.0.1:1', { timeoutMs: 500 });
    await expect(gone.positions()).rejects.toMatchObject({ code: 'READ_API_UNAVAILABLE', retriable: true });
  });
});
