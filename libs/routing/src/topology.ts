import { reachPort, region as regionOf, type Topology } from '@meridian/topology';
import type { RegionUpstream } from './options';

/**
 * The gateway's upstreams from a topology, as a gateway running in `gatewayRegion` dials them:
 * its own region directly, every other region through the WAN proxy of that link (`reachPort`).
 * Regions without both a profile-service and a projector are left out.
 */
export function regionsFromTopology(t: Topology, gatewayRegion: string): RegionUpstream[] {
  regionOf(t, gatewayRegion); // throws TopologyError naming the known regions
  return t.regions
    .filter((r) => r.profileService !== undefined && r.projector !== undefined)
    .map((r) => ({
      name: r.name,
      profileServiceUrl: `http://127.0.0.1:${reachPort(t, gatewayRegion, r.name, 'profileService')}`,
      projectorUrl: `http://127.0.0.1:${reachPort(t, gatewayRegion, r.name, 'projector')}`,
    }));
}
