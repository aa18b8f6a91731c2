/**
 * A dead broker must give 503 (never a 2xx for an event that was not stored), within a bounded time,
 * and the same request must succeed once the broker is back — with the event in the topic exactly once.
 * Kills and revives the real us-east broker through the CLI.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { ConfluentSchemaRegistry, EventSerde } from '@meridian/contract';
import { LOCAL_REGISTRIES, localKafka, localRegionEnv, readRecords, uniqueName } from '@meridian/testing';
import { startProfileService } from '../apps/profile-service/src/app';

const cli = (...args: string[]) =>
  execFileSync('node', [join(__dirname, '..', 'bin', 'meridian.js'), ...args], { stdio: 'inherit' });
const REGISTRY = LOCAL_REGISTRIES['us-east'];
const BOUND_MS = 15_000;

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

    cli('local', 'kill', 'us-east');
    let revived = false;
    try {
      const t0 = Date.now();
      const down = await credit();
      const elapsed = Date.now() - t0;
      console.log(`[outage] 503 after ${elapsed} ms`);
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('1');
      expect(elapsed).toBeLessThan(BOUND_MS);
      cli('local', 'revive', 'us-east');
      revived = true;
    } finally {
      if (!revived) cli('local', 'revive', 'us-east');
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
