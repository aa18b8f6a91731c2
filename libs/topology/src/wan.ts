import { region as regionOf } from './lookup';
import type { Region, Topology } from './model';
import { TopologyError } from './errors';

/**
 * The local WAN's port layout. A link `from -> to` carries the connections that processes in
 * region `from` open to servers in region `to` (MirrorMaker 2 of us-west pulling from us-east uses
 * `us-west -> us-east`). Each link has its own proxy per service, so a fault on one link leaves
 * the others alone. Ports into region R, from R.wanPortBase (B), by index i of the client region:
 *   B + i        proxy to R's broker (remote clients bootstrap here)
 *   B + 10 + i   R's broker listener for clients of region i (advertises B + i, so that every
 *                connection after the bootstrap also goes through the proxy)
 *   B + 20 + i   proxy to R's profile-service
 *   B + 30 + i   proxy to R's projector
 *   B + 40       R's etcd peer port as its peers see it (one port: etcd advertises one peer URL;
 *                the proxy tells the calling region apart by the connecting process)
 */
export type WanService = 'kafka' | 'profileService' | 'projector';
export interface WanLink {
  from: string;
  to: string;
}

const SERVICE_OFFSET: Record<WanService, number> = { kafka: 0, profileService: 20, projector: 30 };

export function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}

/** Every directed pair of distinct regions. */
export function wanLinks(t: Topology): WanLink[] {
  if (!t.wan) return [];
  return t.regions.flatMap((a) =>
    t.regions.filter((b) => b !== a).map((b) => ({ from: a.name, to: b.name })),
  );
}

function base(r: Region): number {
  if (r.wanPortBase === undefined)
    throw new TopologyError('TOPOLOGY_INVALID', `region ${r.name} has no wanPortBase`);
  return r.wanPortBase;
}

function indexOf(t: Topology, name: string): number {
  return t.regions.findIndex((r) => r.name === name);
}

/** The Kafka listener name of a broker for clients of `clientRegion` (`WAN_US_WEST`). */
export function wanListenerName(clientRegion: string): string {
  return `WAN_${clientRegion.toUpperCase().replace(/-/g, '_')}`;
}

export function brokerWanListenerPort(t: Topology, server: string, client: string): number {
  return base(regionOf(t, server)) + 10 + indexOf(t, client);
}

export function wanProxyPort(t: Topology, from: string, to: string, service: WanService): number {
  return base(regionOf(t, to)) + SERVICE_OFFSET[service] + indexOf(t, from);
}

export function etcdPeerProxyPort(r: Region): number {
  return base(r) + 40;
}

/** Port of `service` in region `to` as a process in region `from` must dial it. */
export function reachPort(t: Topology, from: string, to: string, service: WanService): number {
  const target = regionOf(t, to);
  if (t.wan && from !== to) return wanProxyPort(t, from, to, service);
  const port =
    service === 'kafka'
      ? target.kafka.port
      : service === 'profileService'
        ? target.profileService?.port
        : target.projector?.port;
  if (port === undefined) throw new TopologyError('TOPOLOGY_INVALID', `region ${to} has no ${service}`);
  return port;
}

/** The bootstrap address of region `to`'s broker for a client in region `from` (through the WAN). */
export function reachBootstrap(t: Topology, from: string, to: string): string {
  return `127.0.0.1:${reachPort(t, from, to, 'kafka')}`;
}

export interface WanProxyPlan {
  link: WanLink;
  service: WanService;
  listenPort: number;
  targetPort: number;
}

/** Every proxy the WAN process runs (the etcd peer proxies are planned by `etcdPeerProxyPort`). */
export function wanProxyPlan(t: Topology): WanProxyPlan[] {
  const plan: WanProxyPlan[] = [];
  for (const link of wanLinks(t)) {
    const server = regionOf(t, link.to);
    plan.push({
      link,
      service: 'kafka',
      listenPort: wanProxyPort(t, link.from, link.to, 'kafka'),
      targetPort: brokerWanListenerPort(t, link.to, link.from),
    });
    if (server.profileService)
      plan.push({
        link,
        service: 'profileService',
        listenPort: wanProxyPort(t, link.from, link.to, 'profileService'),
        targetPort: server.profileService.port,
      });
    if (server.projector)
      plan.push({
        link,
        service: 'projector',
        listenPort: wanProxyPort(t, link.from, link.to, 'projector'),
        targetPort: server.projector.port,
      });
  }
  return plan;
}

/** Every port the WAN layout claims in a region (for the topology's collision check). */
export function wanPortsOf(t: Topology, r: Region): [string, number][] {
  if (!t.wan || r.wanPortBase === undefined) return [];
  const out: [string, number][] = [];
  for (const other of t.regions) {
    if (other === r) continue;
    out.push([`wan proxy kafka from ${other.name}`, wanProxyPort(t, other.name, r.name, 'kafka')]);
    out.push([`kafka listener for ${other.name}`, brokerWanListenerPort(t, r.name, other.name)]);
    if (r.profileService)
      out.push([
        `wan proxy profileService from ${other.name}`,
        wanProxyPort(t, other.name, r.name, 'profileService'),
      ]);
    if (r.projector)
      out.push([`wan proxy projector from ${other.name}`, wanProxyPort(t, other.name, r.name, 'projector')]);
  }
  if (r.etcd) out.push(['wan proxy etcd peers', etcdPeerProxyPort(r)]);
  return out;
}
