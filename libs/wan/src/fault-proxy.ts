import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * What the link between two regions does to traffic. `pass`: forward (with delay, jitter and a
 * bandwidth cap); `partition`: refuse new connections and cut existing ones; `half-open`: accept
 * connections but forward nothing (a peer that stalls, as a black-holed route looks to TCP).
 */
export interface LinkFaults {
  mode: 'pass' | 'partition' | 'half-open';
  /** One-way added latency per chunk. */
  delayMs: number;
  /** Each chunk's delay is delayMs ± up to jitterMs (order is kept). */
  jitterMs: number;
  /** Cap per direction per connection; 0 = none. */
  bandwidthBytesPerSec: number;
}

export interface FaultProxyOptions {
  name: string;
  target: { host: string; port: number };
  listenPort?: number;
  faults?: Partial<LinkFaults>;
  /** Seeded jitter for replayable runs; Math.random by default. */
  random?: () => number;
}

/** One direction of one connection: delivers chunks in order, no earlier than their due time. */
class Pipe {
  private lastDue = 0;
  private sendAt = 0;
  constructor(
    private readonly to: Socket,
    private readonly faults: () => LinkFaults,
    private readonly random: () => number,
    private readonly onSwallowed: (bytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    const f = this.faults();
    if (f.mode === 'half-open') {
      this.onSwallowed(chunk.length); // the far side never hears it
      return;
    }
    const now = Date.now();
    const jitter = f.jitterMs > 0 ? (this.random() * 2 - 1) * f.jitterMs : 0;
    let due = now + Math.max(0, f.delayMs + jitter);
    if (f.bandwidthBytesPerSec > 0) {
      this.sendAt = Math.max(this.sendAt, now) + (chunk.length / f.bandwidthBytesPerSec) * 1000;
      due = Math.max(due, this.sendAt);
    }
    due = Math.max(due, this.lastDue); // TCP is a stream: never reorder
    this.lastDue = due;
    const write = () => {
      if (!this.to.destroyed) this.to.write(chunk);
    };
    if (due <= now) write();
    else setTimeout(write, due - now);
  }
}

/**
 * A small fault-injecting TCP proxy: the WAN between two regions on one machine (no netem here).
 * Written by hand because no maintained Node library offers delay + bandwidth + partition +
 * half-open + reset on raw TCP; toxiproxy's binary is not available here.
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private faults: LinkFaults;
  private readonly random: () => number;
  port = 0;
  /** Bytes a half-open link has swallowed so far. */
  swallowedBytes = 0;

  constructor(private readonly o: FaultProxyOptions) {
    this.faults = { mode: 'pass', delayMs: 0, jitterMs: 0, bandwidthBytesPerSec: 0, ...o.faults };
    this.random = o.random ?? Math.random;
  }

  get current(): LinkFaults {
    return { ...this.faults };
  }

  async start(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.listenPort ?? 0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  private accept(client: Socket): void {
    if (this.faults.mode === 'partition') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.o.target.port, this.o.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const faults = () => this.faults;
    const swallowed = (n: number) => (this.swallowedBytes += n);
    const toUpstream = new Pipe(upstream, faults, this.random, swallowed);
    const toClient = new Pipe(client, faults, this.random, swallowed);
    client.on('data', (c: Buffer) => toUpstream.push(c));
    upstream.on('data', (c: Buffer) => toClient.push(c));
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  /** Changes the link's behaviour; a partition also cuts every open connection. */
  set(faults: Partial<LinkFaults>): void {
    this.faults = { ...this.faults, ...faults };
    if (this.faults.mode === 'partition') this.resetConnections();
  }

  /** Back to a clean link (delay and caps kept unless given). */
  heal(faults: Partial<LinkFaults> = {}): void {
    this.faults = { ...this.faults, mode: 'pass', ...faults };
  }

  /** Sends RST on every open connection (both sides see a reset). */
  resetConnections(): void {
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  get connections(): number {
    return this.sockets.size / 2;
  }

  async stop(): Promise<void> {
    this.resetConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
