/**
 * A dead broker must give 503 (never a 2xx for an event that was not stored), within a bounded time,
 * and the same request must succeed once the broker is back — with the event in the topic exactly once.
 * Kills and revives the real us-east broker through the CLI.
 */
import type { INestApplication } from '@nestjs/common';
import { ConfluentSchemaRegistry, EventSerde } from '@meridian/contract';
import {
  LOCAL_APPS,
  LOCAL_GATEWAY,
  LOCAL_REGISTRIES,
  localKafka,
  localRegionEnv,
  meridian,
  readRecords,
  uniqueName,
  waitFor,
} from '@meridian/testing';
import { startProfileService } from '../apps/profile-service/src/app';

const REGISTRY = LOCAL_REGISTRIES['us-east'];
const BOUND_MS = 15_000;
const TOPOLOGY_SERVICE = LOCAL_APPS['us-east'].service;
const GATEWAY = LOCAL_GATEWAY;

interface Health {
  status: string;
  writes: { accepting: boolean; reason?: string };
  broker: { reachable: boolean; error?: string };
}
const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as Health;
interface RegionView {
  name: string;
  acceptingWrites: boolean;
}
const regions = async () =>
  ((await (await fetch(`${GATEWAY}/regions`)).json()) as { regions: RegionView[] }).regions;

describe('publishing while the region broker is down', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    ({ app, url: base } = await startProfileService({
      ...localRegionEnv('us-east'),
      PORT: 0,
      AUTO_REGISTER_SCHEMAS: false,
    }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 503 with Retry-After, then succeeds after revival, storing the event exactly once', async () => {
    const id = uniqueName('outage');
    const credit = () =>
      fetch(`${base}/profiles/${id}/credit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amountCents: 700 }),
      });
    // Warm up (connect the producer, cache schema ids) on a healthy broker.
    expect((await fetch(`${base}/profiles/${id}/logins`, { method: 'POST' })).status).toBe(200);

    expect((await health(base)).writes.accepting).toBe(true);
    meridian('local', 'kill', 'us-east');
    const killedAt = Date.now();
    let revived = false;
    try {
      // Health tells the truth without waiting for a write: the broker is gone, writes cannot be stored.
      await waitFor(async () => !(await health(base)).writes.accepting, {
        timeoutMs: 3_000,
        intervalMs: 50,
        description: "the service's /health to stop accepting writes",
      });
      const h = await health(base);
      console.log(`[outage] /health says not accepting ${Date.now() - killedAt} ms after the kill`);
      expect(h).toMatchObject({ status: 'degraded', broker: { reachable: false } });
      expect(h.writes.reason).toContain('BROKER_UNREACHABLE');
      // The gateway stops routing writes to us-east, and sends a write that prefers it elsewhere.
      await waitFor(async () => !(await health(TOPOLOGY_SERVICE)).writes.accepting, {
        timeoutMs: 3_000,
        intervalMs: 50,
        description: "the topology's us-east profile-service to stop accepting writes",
      });
      const serviceSaidNoAt = Date.now();
      await waitFor(
        async () => (await regions()).find((r) => r.name === 'us-east')?.acceptingWrites === false,
        {
          timeoutMs: 1_000,
          intervalMs: 25,
          description: 'the gateway to mark us-east as not accepting writes within 1 s',
        },
      );
      console.log(
        `[outage] gateway stopped writes to us-east ${Date.now() - serviceSaidNoAt} ms after its /health did`,
      );
      const routed = await fetch(`${GATEWAY}/profiles/${id}/logins`, {
        method: 'POST',
        headers: { 'x-meridian-region': 'us-east' },
      });
      await routed.arrayBuffer();
      expect(routed.status).toBe(200);
      expect(routed.headers.get('x-meridian-routed-region')).not.toBe('us-east');

      const t0 = Date.now();
      const down = await credit();
      const elapsed = Date.now() - t0;
      console.log(`[outage] 503 after ${elapsed} ms`);
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('1');
      expect(((await down.json()) as { error: string }).error).toBe('NOT_STORED');
      expect(elapsed).toBeLessThan(BOUND_MS);
      meridian('local', 'revive', 'us-east');
      revived = true;
    } finally {
      if (!revived) meridian('local', 'revive', 'us-east');
    }

    // The same request again, as a client honouring Retry-After would send it.
    let ok: Response | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      // A pooled keep-alive connection the server closed meanwhile fails once; retry it like any client.
      ok = await credit().catch(() => undefined);
      if (ok?.status === 200) break;
      await new Promise((r) => setTimeout(r, Number(ok?.headers.get('retry-after') ?? 1) * 1000));
    }
    expect(ok?.status).toBe(200);

    const reader = await readRecords(localKafka('us-east'), 'meridian.profile');
    const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: REGISTRY }) });
    try {
      await reader.waitForCount(1, 30_000);
      // Read to the marker: one more write after the credit; then count this profile's credits.
      expect((await fetch(`${base}/profiles/${id}/logins`, { method: 'POST' })).status).toBe(200);
      const deadlineRead = Date.now() + 30_000;
      for (;;) {
        const mine = await Promise.all(
          reader.records
            .filter((r) => r.key === id)
            .map((r) => serde.decode(r.rawValue, r.rawHeaders, { topic: 'meridian.profile' })),
        );
        if (mine.length >= 3) {
          expect(mine.map((e) => e.type.split('.').pop())).toEqual([
            'LoginRecorded',
            'CreditAdjusted',
            'LoginRecorded',
          ]);
          break;
        }
        if (Date.now() > deadlineRead) throw new Error(`saw ${mine.length} events of ${id}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await reader.stop();
    }
  });
});
