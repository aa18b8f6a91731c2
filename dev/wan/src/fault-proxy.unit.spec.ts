import { createServer, connect, type Server, type Socket } from 'node:net';
import { waitFor } from '@meridian/testing';
import { FaultProxy } from './fault-proxy';

/** An echo server: what the proxy forwards comes back through it. */
async function echo(): Promise<{ server: Server; port: number }> {
  // Resets are part of the tests: the echo side ignores them.
  const server = createServer((s) => s.on('error', () => undefined).pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.off('error', reject);
      s.on('error', () => undefined); // resets are asserted through 'close'
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Sends `bytes` and resolves with the ms until all of it came back. */
function roundTrip(s: Socket, bytes: number): Promise<number> {
  return new Promise((resolve) => {
    let got = 0;
    const t0 = Date.now();
    const onData = (c: Buffer) => {
      got += c.length;
      if (got >= bytes) {
        s.off('data', onData);
        resolve(Date.now() - t0);
      }
    };
    s.on('data', onData);
    s.write(Buffer.alloc(bytes, 7));
  });
}

describe('FaultProxy', () => {
  let target: { server: Server; port: number };
  let proxy: FaultProxy;
  beforeEach(async () => {
    target = await echo();
    proxy = new FaultProxy({ name: 'a->b', target: { host: '127.0.0.1', port: target.port } });
    await proxy.start();
  });
  afterEach(async () => {
    await proxy.stop();
    await new Promise((r) => target.server.close(r));
  });

  it('forwards bytes unchanged, in order', async () => {
    const s = await client(proxy.port);
    const received: Buffer[] = [];
    s.on('data', (c: Buffer) => received.push(c));
    const sent = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    s.write(sent);
    await waitFor(() => Buffer.concat(received).length >= sent.length, {
      timeoutMs: 5000,
      description: 'echo',
    });
    expect(Buffer.concat(received).equals(sent)).toBe(true);
    s.destroy();
  });

  it('adds the configured one-way delay in each direction, keeping order under jitter', async () => {
    proxy.set({ delayMs: 60, jitterMs: 20 });
    const s = await client(proxy.port);
    const rtt = await roundTrip(s, 10);
    expect(rtt).toBeGreaterThanOrEqual(2 * (60 - 20));
    const received: Buffer[] = [];
    s.on('data', (c: Buffer) => received.push(c));
    for (let i = 0; i < 50; i++) s.write(Buffer.from([i]));
    await waitFor(() => Buffer.concat(received).length >= 50, { timeoutMs: 5000, description: 'all chunks' });
    expect([...Buffer.concat(received)]).toEqual(Array.from({ length: 50 }, (_, i) => i));
    s.destroy();
  });

  it('keeps a long stream of chunks of many sizes byte-exact under jitter (timers must not reorder)', async () => {
    // Found with MirrorMaker 2 through the WAN: a timer per chunk let chunks overtake each other.
    proxy.set({ delayMs: 30, jitterMs: 25 });
    const s = await client(proxy.port);
    const received: Buffer[] = [];
    s.on('data', (c: Buffer) => received.push(c));
    const chunks = Array.from({ length: 400 }, (_, i) =>
      Buffer.from(Array.from({ length: 1 + ((i * 7919) % 3000) }, (_, j) => (i + j) % 256)),
    );
    const sent = Buffer.concat(chunks);
    for (const c of chunks) {
      s.write(c);
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => Buffer.concat(received).length >= sent.length, {
      timeoutMs: 10_000,
      description: 'all bytes',
    });
    expect(Buffer.concat(received).equals(sent)).toBe(true);
    s.destroy();
  });

  it('caps bandwidth', async () => {
    proxy.set({ bandwidthBytesPerSec: 200_000 });
    const s = await client(proxy.port);
    // 100 kB out and back through a 200 kB/s cap per direction: at least 0.5 s.
    expect(await roundTrip(s, 100_000)).toBeGreaterThanOrEqual(450);
    s.destroy();
  });

  it('partition refuses new connections and cuts open ones; heal restores', async () => {
    const open = await client(proxy.port);
    const cut = new Promise<void>((r) => open.once('close', () => r()));
    proxy.set({ mode: 'partition' });
    await cut;
    const refused = await client(proxy.port).then(
      (s) => new Promise<boolean>((r) => s.once('close', () => r(true)).once('data', () => r(false))),
      () => true,
    );
    expect(refused).toBe(true);
    proxy.heal();
    const s = await client(proxy.port);
    expect(await roundTrip(s, 10)).toBeGreaterThanOrEqual(0);
    s.destroy();
  });

  it('half-open accepts but forwards nothing; healing resets the stalled connections', async () => {
    proxy.set({ mode: 'half-open' });
    const s = await client(proxy.port);
    let got = 0;
    let closed = false;
    s.on('data', (c: Buffer) => (got += c.length));
    s.on('close', () => (closed = true));
    s.write(Buffer.from('lost'));
    await waitFor(() => proxy.swallowedBytes >= 4, {
      timeoutMs: 5000,
      description: 'the proxy to swallow the write',
    });
    // Its stream lost bytes, so the stalled connection cannot go on: healing resets it.
    proxy.heal();
    await waitFor(() => closed, { timeoutMs: 5000, description: 'the stalled connection to be reset' });
    expect(got).toBe(0);
    const fresh = await client(proxy.port);
    expect(await roundTrip(fresh, 5)).toBeGreaterThanOrEqual(0);
    fresh.destroy();
  });

  it('reset sends RST on open connections', async () => {
    const s = await client(proxy.port);
    const err = new Promise<string>((r) =>
      s.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? '')).once('close', () => r('closed')),
    );
    await waitFor(() => proxy.connections === 1, { timeoutMs: 2000, description: 'the connection' });
    proxy.resetConnections();
    expect(['ECONNRESET', 'closed']).toContain(await err);
  });
});
