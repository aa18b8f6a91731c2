/**
 * The chaos workload: in every region a client writes through that region's profile-service
 * (conflicting field writes to shared profiles, credit adjustments with known totals, tag add/remove
 * races, logins), and one region also runs an in-process writer whose wall clock is skewed. Every
 * acknowledged event id is recorded, with the counter amounts it carried.
 */
import { ConfluentSchemaRegistry } from '@meridian/contract';
import { PROFILE, profileSteps } from '@meridian/domain';
import { EventPublisher, HttpSnapshotSource } from '@meridian/publisher';
import { LOCAL_REGIONS, LOCAL_REGISTRIES, mulberry32 } from '@meridian/testing';

export const CHAOS_REGIONS = {
  'us-east': { service: 'http://127.0.0.1:18090', projector: 'http://127.0.0.1:18070' },
  'us-west': { service: 'http://127.0.0.1:28090', projector: 'http://127.0.0.1:28070' },
  eu: { service: 'http://127.0.0.1:31090', projector: 'http://127.0.0.1:31070' },
} as const;
export type ChaosRegion = keyof typeof CHAOS_REGIONS;
export const REGION_NAMES = Object.keys(CHAOS_REGIONS) as ChaosRegion[];

export interface Acknowledged {
  eventId: string;
  profile: string;
  creditCents: number;
  logins: number;
  region: string;
}

export interface WorkloadResult {
  acknowledged: Acknowledged[];
  /** 4xx/5xx answers: the client was told the write did not happen. */
  refused: number;
  /** No answer (timeout, reset): the outcome is unknown to the client. */
  unknown: number;
}

interface WriteEvents {
  events: { eventId: string }[];
}

async function httpWrite(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; eventIds: string[] } | undefined> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(5000),
    });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return { status: res.status, eventIds: [] };
    }
    const json = (await res.json()) as WriteEvents;
    return { status: 200, eventIds: json.events.map((e) => e.eventId) };
  } catch {
    return undefined;
  }
}

export class ChaosWorkload {
  private stopped = false;
  private readonly result: WorkloadResult = { acknowledged: [], refused: 0, unknown: 0 };
  private readonly runs: Promise<void>[] = [];
  private skewed: EventPublisher | undefined;

  constructor(
    private readonly seed: number,
    readonly profiles: string[],
    private readonly skew: { region: string; skewMs: number },
  ) {}

  start(): void {
    REGION_NAMES.forEach((region, i) =>
      this.runs.push(this.httpWriter(region, mulberry32(this.seed * 7 + i))),
    );
    this.runs.push(this.skewedWriter(mulberry32(this.seed * 7 + 99)));
  }

  async stop(): Promise<WorkloadResult> {
    this.stopped = true;
    await Promise.all(this.runs);
    await this.skewed?.close().catch(() => undefined);
    return this.result;
  }

  private ack(region: string, profile: string, eventIds: string[], creditCents = 0, logins = 0): void {
    // A write of one step is one event; the amounts belong to it.
    for (const eventId of eventIds)
      this.result.acknowledged.push({ eventId, profile, creditCents, logins, region });
  }

  private async httpWriter(region: ChaosRegion, random: () => number): Promise<void> {
    const base = CHAOS_REGIONS[region].service;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    while (!this.stopped) {
      const profile = pick(this.profiles);
      const p = `/profiles/${profile}`;
      const kind = pick(['name', 'credit', 'credit', 'login', 'tagAdd', 'tagRemove', 'fav'] as const);
      const amount = (Math.floor(random() * 19) - 9 || 1) * 100;
      const tag = pick(['a', 'b', 'c']);
      let res: Awaited<ReturnType<typeof httpWrite>>;
      switch (kind) {
        case 'name':
          res = await httpWrite(base, 'PATCH', p, { displayName: `${region}-${Math.floor(random() * 1e6)}` });
          break;
        case 'credit':
          res = await httpWrite(base, 'POST', `${p}/credit`, { amountCents: amount });
          break;
        case 'login':
          res = await httpWrite(base, 'POST', `${p}/logins`);
          break;
        case 'tagAdd':
          res = await httpWrite(base, 'POST', `${p}/tags`, { tag });
          break;
        case 'tagRemove':
          res = await httpWrite(base, 'DELETE', `${p}/tags/${tag}`);
          break;
        case 'fav':
          res = await httpWrite(base, 'POST', `${p}/favourites`, { itemId: tag });
          break;
      }
      if (!res) this.result.unknown++;
      else if (res.status !== 200) this.result.refused++;
      else this.ack(region, profile, res.eventIds, kind === 'credit' ? amount : 0, kind === 'login' ? 1 : 0);
      if (res?.status !== 200) await new Promise((r) => setTimeout(r, 100)); // back off while refused
    }
  }

  /** A writer whose clock is off by seconds: its field writes win or lose by HLC, never by arrival. */
  private async skewedWriter(random: () => number): Promise<void> {
    const region = this.skew.region as ChaosRegion;
    this.skewed = new EventPublisher({
      region,
      kafka: { brokers: [LOCAL_REGIONS[region]], clientId: `chaos-skewed-${this.seed}` },
      registry: new ConfluentSchemaRegistry({ url: LOCAL_REGISTRIES[region] }),
      snapshots: new HttpSnapshotSource(CHAOS_REGIONS[region].projector),
      wallClockMs: () => Date.now() + this.skew.skewMs,
    });
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    while (!this.stopped) {
      const profile = pick(this.profiles);
      const credit = random() < 0.5;
      const amount = (Math.floor(random() * 9) + 1) * 10;
      try {
        const events = await this.skewed.publish(PROFILE, profile, [
          credit ? profileSteps.adjustCredit(amount) : profileSteps.setField('locale', `skewed-${random()}`),
        ]);
        this.ack(
          `${region} (skewed)`,
          profile,
          events.map((e) => e.eventId),
          credit ? amount : 0,
        );
      } catch {
        this.result.refused++;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
