import { createServer, type Server, type Socket } from 'node:net';
import { etcdPeerProxyPort, linkKey, type Topology, wanLinks, wanProxyPlan } from '@meridian/topology';
import { mulberry32 } from '@meridian/random';
import { close, FaultProxy, Link, type LinkFaults, listen } from './fault-proxy';
import { connectionOwner } from './procfs';
import { WanError } from './errors';

export interface WanMeshOptions {
  topology: Topology;
  /** Seeds every link's jitter so a run can be replayed. */
  seed?: number;
  /** The pids of each region's etcd member (the etcd peer proxy tells callers apart by pid). */
  etcdPids?: () => Map<number, string>;
  log?: (msg: string) => void;
}

export interface LinkStatus extends LinkFaults {
  from: string;
  to: string;
  connections: number;
  swallowedBytes: number;
}

/**
 * The whole local WAN of a topology: a link per directed region pair with the topology's default
 * delay, a proxy per (link, service), and one etcd peer proxy per region that routes each
 * connection onto the link of the region it comes from.
 */
export class WanMesh {
  readonly links = new Map<string, Link>();
  private readonly proxies: FaultProxy[] = [];
  private readonly servers: Server[] = [];
  private readonly defaults: Partial<LinkFaults>;

  constructor(private readonly o: WanMeshOptions) {
    const w = o.topology.wan;
    this.defaults = w
      ? {
          mode: 'pass',
          delayMs: w.delayMs,
          jitterMs: w.jitterMs,
          bandwidthBytesPerSec: w.bandwidthBytesPerSec,
        }
      : {};
    wanLinks(o.topology).forEach((l, i) => {
      const random = o.seed === undefined ? Math.random : mulberry32(o.seed * 31 + i);
      this.links.set(linkKey(l.from, l.to), new Link(linkKey(l.from, l.to), this.defaults, random));
    });
  }

  link(from: string, to: string): Link {
    const l = this.links.get(linkKey(from, to));
    if (!l)
      throw new WanError(
        'UNKNOWN_LINK',
        `no WAN link ${linkKey(from, to)}; links: ${[...this.links.keys()].join(', ')}`,
      );
    return l;
  }

  async start(): Promise<void> {
    for (const p of wanProxyPlan(this.o.topology)) {
      const proxy = new FaultProxy({
        name: `${linkKey(p.link.from, p.link.to)} ${p.service}`,
        target: { host: '127.0.0.1', port: p.targetPort },
        listenPort: p.listenPort,
        link: this.link(p.link.from, p.link.to),
      });
      await proxy.start();
      this.proxies.push(proxy);
    }
    for (const r of this.o.topology.regions) {
      if (!r.etcd || r.wanPortBase === undefined) continue;
      const port = etcdPeerProxyPort(r);
      const target = { host: '127.0.0.1', port: r.etcd.peerPort };
      const server = createServer((client) => void this.routeEtcdPeer(client, port, r.name, target));
      await listen(server, port);
      this.servers.push(server);
    }
  }

  private async routeEtcdPeer(
    client: Socket,
    listenPort: number,
    to: string,
    target: { host: string; port: number },
  ): Promise<void> {
    client.pause(); // hold the caller's first bytes until its link is known
    // A member may dial its peers before `local up` has recorded its pid: ask again for a while.
    // A connection that cannot be placed on a link is reset (etcd redials), never passed unshaped,
    // or a partition would leak.
    let from: string | undefined;
    for (let attempt = 0; attempt < 20 && from === undefined && !client.destroyed; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 100));
      let pids = new Map<number, string>();
      try {
        pids = this.o.etcdPids?.() ?? pids;
      } catch (e) {
        this.o.log?.(`cannot tell etcd members apart: ${(e as Error).message}`);
      }
      const owner = await connectionOwner(client.remotePort ?? 0, listenPort, [...pids.keys()]).catch(
        () => undefined,
      );
      from = owner === undefined ? undefined : pids.get(owner);
    }
    if (from === undefined || from === to) {
      this.o.log?.(`etcd peer connection into ${to} from an unidentified process: reset`);
      client.resetAndDestroy();
      return;
    }
    this.link(from, to).carry(client, target);
    client.resume();
  }

  status(): LinkStatus[] {
    return [...this.links.entries()].map(([key, l]) => {
      const [from, to] = key.split('->') as [string, string];
      return { from, to, ...l.current, connections: l.connections, swallowedBytes: l.swallowedBytes };
    });
  }

  set(from: string, to: string, faults: Partial<LinkFaults>): LinkStatus {
    this.link(from, to).set(faults);
    return this.status().find((s) => s.from === from && s.to === to)!;
  }

  /**
   * Every link into and out of `region` at once (one synchronous step): a region that keeps one
   * link a moment longer than the others still has a quorum, and a test's cut would be a blur.
   */
  isolate(region: string, mode: 'partition' | 'half-open'): LinkStatus[] {
    const keys = [...this.links.keys()].filter((k) => k.split('->').includes(region));
    if (keys.length === 0) throw new WanError('UNKNOWN_LINK', `no WAN link into or out of ${region}`);
    for (const k of keys) this.links.get(k)!.set({ mode });
    return this.status().filter((s) => s.from === region || s.to === region);
  }

  /** Back to the topology's defaults (every link, or one). */
  heal(from?: string, to?: string): void {
    const targets = from && to ? [this.link(from, to)] : [...this.links.values()];
    for (const l of targets) l.heal(this.defaults);
  }

  async stop(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.stop()));
    for (const l of this.links.values()) l.resetConnections();
    await Promise.all(this.servers.map((s) => close(s)));
  }
}
