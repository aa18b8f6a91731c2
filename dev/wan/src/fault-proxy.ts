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

export interface Target {
  host: string;
  port: number;
}

/**
 * One direction of one connection: delivers chunks in order, no earlier than their due time. One
 * queue and one timer per direction: separate timers per chunk can fire out of order (Node groups
 * timers by duration), which would corrupt the byte stream.
 */
class Pipe {
  private lastDue = 0;
  private sendAt = 0;
  private readonly queue: { chunk: Buffer; due: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly to: Socket,
    private readonly link: Link,
  ) {}

  push(chunk: Buffer): void {
    const f = this.link.current;
    if (f.mode === 'half-open') {
      this.link.swallowedBytes += chunk.length; // the far side never hears it
      return;
    }
    const now = Date.now();
    const jitter = f.jitterMs > 0 ? (this.link.random() * 2 - 1) * f.jitterMs : 0;
    let due = now + Math.max(0, f.delayMs + jitter);
    if (f.bandwidthBytesPerSec > 0) {
      this.sendAt = Math.max(this.sendAt, now) + (chunk.length / f.bandwidthBytesPerSec) * 1000;
      due = Math.max(due, this.sendAt);
    }
    due = Math.max(due, this.lastDue); // TCP is a stream: never reorder
    this.lastDue = due;
    this.queue.push({ chunk, due });
    this.flush();
  }

  private flush(): void {
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      const { chunk } = this.queue.shift()!;
      if (!this.to.destroyed) this.to.write(chunk);
    }
    if (this.queue.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.queue[0]!.due - now);
    }
  }
}

/**
 * The state of one directed link between two regions: its faults and its open connections. Several
 * proxies (one per service the link reaches) share one link, so one command degrades them all.
 */
export class Link {
  private faults: LinkFaults;
  private readonly sockets = new Set<Socket>();
  /** Bytes a half-open link has swallowed so far. */
  swallowedBytes = 0;
  readonly random: () => number;

  constructor(
    readonly name: string,
    faults: Partial<LinkFaults> = {},
    random: () => number = Math.random,
  ) {
    this.faults = { mode: 'pass', delayMs: 0, jitterMs: 0, bandwidthBytesPerSec: 0, ...faults };
    this.random = random;
  }

  get current(): LinkFaults {
    return { ...this.faults };
  }

  /** Carries an accepted client connection to `target` across this link (or refuses it). */
  carry(client: Socket, target: Target): void {
    if (this.faults.mode === 'partition') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const toUpstream = new Pipe(upstream, this);
    const toClient = new Pipe(client, this);
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

  /**
   * Back to a clean link (delay and caps kept unless given). Connections that crossed a half-open
   * link lost bytes mid-stream, so they are reset, as a black-holed route ends in a timeout.
   */
  heal(faults: Partial<LinkFaults> = {}): void {
    if (this.faults.mode === 'half-open') this.resetConnections();
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
}

export interface FaultProxyOptions {
  name: string;
  target: Target;
  listenPort?: number;
  faults?: Partial<LinkFaults>;
  /** Seeded jitter for replayable runs; Math.random by default. */
  random?: () => number;
  /** Share a link's state with other proxies; by default the proxy has a link of its own. */
  link?: Link;
}

/**
 * A small fault-injecting TCP proxy: the WAN between two regions on one machine (no netem here).
 * Written by hand because no maintained Node library offers delay + bandwidth + partition +
 * half-open + reset on raw TCP; toxiproxy's binary is not available here.
 */
export class FaultProxy {
  private server: Server | undefined;
  readonly link: Link;
  port = 0;

  constructor(private readonly o: FaultProxyOptions) {
    this.link = o.link ?? new Link(o.name, o.faults, o.random);
  }

  get current(): LinkFaults {
    return this.link.current;
  }
  get swallowedBytes(): number {
    return this.link.swallowedBytes;
  }
  get connections(): number {
    return this.link.connections;
  }

  async start(): Promise<number> {
    this.server = createServer((client) => this.link.carry(client, this.o.target));
    this.port = await listen(this.server, this.o.listenPort ?? 0);
    return this.port;
  }

  set(faults: Partial<LinkFaults>): void {
    this.link.set(faults);
  }
  heal(faults: Partial<LinkFaults> = {}): void {
    this.link.heal(faults);
  }
  resetConnections(): void {
    this.link.resetConnections();
  }

  async stop(): Promise<void> {
    this.link.resetConnections();
    await close(this.server);
  }
}

export async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as { port: number }).port;
}

export async function close(server: Server | undefined): Promise<void> {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
