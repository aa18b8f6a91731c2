import { type IneligibleReason, NoEligibleRegionError, UnknownRegionError } from './errors';
import type { RegionSnapshot } from './health';
import type { UpstreamService } from './options';

export const REGION_HEADER = 'X-Meridian-Region';
export const SESSION_HEADER = 'X-Meridian-Session';

/** What the router needs to know of a request. */
export interface RouteRequest {
  service: UpstreamService;
  /** Writes go only to regions accepting writes. */
  write: boolean;
  /** `X-Meridian-Region`: the client's home region. */
  homeRegion?: string;
  /** `X-Meridian-Session`: sticky to the region of the session's last write. */
  session?: string;
}

export type RouteReason = 'home' | 'sticky' | 'nearest' | 'failover';

export interface RouteChoice {
  /** The first choice. */
  region: string;
  /** home / sticky: the preferred region took it; failover: the preferred region was ineligible. */
  reason: RouteReason;
  /** Every eligible region, the first choice first, then the others by RTT: the retry order. */
  candidates: string[];
}

/**
 * The gateway's routing policy, pure: given health snapshots and a clock value it picks a region.
 * 1. `X-Meridian-Region` (home), 2. else the session's sticky region (its last write's region, for
 * `stickyMs`), 3. else the eligible region with the lowest RTT EWMA (unmeasured last, then config
 * order). Eligible: the upstream serving the request is healthy and its breaker not open, and for a
 * write the region accepts writes. An ineligible home or sticky region falls over to the nearest.
 */
export class Router {
  private readonly sticky = new Map<string, { region: string; until: number }>();

  constructor(
    readonly regions: readonly string[],
    private readonly opts: { stickyMs: number; maxStickySessions: number },
  ) {}

  /** Throws `UnknownRegionError` unless `name` is a configured region. */
  checkRegion(name: string): void {
    if (!this.regions.includes(name)) throw new UnknownRegionError(REGION_HEADER, name, this.regions);
  }

  /** Why `s` cannot take `req` now, or undefined when it can. */
  ineligibility(
    s: RegionSnapshot,
    req: Pick<RouteRequest, 'service' | 'write'>,
  ): IneligibleReason | undefined {
    const svc = s[req.service];
    if (!svc.healthy) return 'unhealthy';
    if (svc.breaker === 'open') return 'breaker-open';
    if (req.write && !s.writes.accepting) return 'not-accepting-writes';
    return undefined;
  }

  choose(req: RouteRequest, snapshots: readonly RegionSnapshot[], now: number): RouteChoice {
    if (req.homeRegion !== undefined) this.checkRegion(req.homeRegion);
    const reasons: Record<string, IneligibleReason> = {};
    const eligible: RegionSnapshot[] = [];
    for (const s of snapshots) {
      const why = this.ineligibility(s, req);
      if (why) reasons[s.name] = why;
      else eligible.push(s);
    }
    if (eligible.length === 0) throw new NoEligibleRegionError(req.write, reasons);
    const order = (name: string) => this.regions.indexOf(name);
    eligible.sort((a, b) => rttKey(a) - rttKey(b) || order(a.name) - order(b.name));
    const byRtt = eligible.map((s) => s.name);

    let preferred: string | undefined;
    let reason: RouteReason = 'nearest';
    if (req.homeRegion !== undefined) {
      preferred = req.homeRegion;
      reason = 'home';
    } else if (req.session !== undefined) {
      const st = this.sticky.get(req.session);
      if (st && st.until > now) {
        preferred = st.region;
        reason = 'sticky';
      } else if (st) this.sticky.delete(req.session);
    }
    if (preferred !== undefined && !byRtt.includes(preferred)) {
      preferred = undefined;
      reason = 'failover';
    }
    const region = preferred ?? byRtt[0]!;
    return { region, reason, candidates: [region, ...byRtt.filter((r) => r !== region)] };
  }

  /** A write of `session` succeeded through `region`: its next requests stay there for `stickyMs`. */
  recordWrite(session: string, region: string, now: number): void {
    this.sticky.delete(session); // re-insert: Map order is the eviction order
    this.sticky.set(session, { region, until: now + this.opts.stickyMs });
    while (this.sticky.size > this.opts.maxStickySessions) {
      const oldest = this.sticky.keys().next().value as string;
      this.sticky.delete(oldest);
    }
  }

  /** The session's sticky region, if any and not expired. */
  stickyRegion(session: string, now: number): string | undefined {
    const st = this.sticky.get(session);
    return st && st.until > now ? st.region : undefined;
  }

  get stickySessions(): number {
    return this.sticky.size;
  }
}

function rttKey(s: RegionSnapshot): number {
  return s.rttMs ?? Number.POSITIVE_INFINITY;
}
