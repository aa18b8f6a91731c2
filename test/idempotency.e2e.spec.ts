/**
 * Idempotency keys end to end on the real topology: the same credit, sent with one key to every
 * region's profile-service (as a client or the gateway retries after an unknown outcome), is applied
 * exactly once in every region's projection — while a keyless credit sent twice counts twice.
 */
import { LOCAL_APPS, uniqueName, waitFor } from '@meridian/testing';

const URLS = LOCAL_APPS;
type Region = keyof typeof URLS;
const REGIONS = Object.keys(URLS) as Region[];

async function credit(region: Region, id: string, amountCents: number, key?: string) {
  const res = await fetch(`${URLS[region].service}/profiles/${id}/credit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ amountCents }),
  });
  return {
    status: res.status,
    replayed: res.headers.get('idempotent-replayed'),
    body: (await res.json()) as { events: { eventId: string }[] },
  };
}

async function creditIn(region: Region, id: string): Promise<number | undefined> {
  const res = await fetch(`${URLS[region].projector}/aggregates/profile/${id}`);
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { state: { credit?: { counter?: number } } }).state.credit?.counter;
}

describe('Idempotency-Key across regions', () => {
  it('a keyed credit sent to all three regions (and twice to one) is applied once everywhere', async () => {
    const id = uniqueName('idem');
    const key = uniqueName('pay');
    const first = await credit('us-east', id, 500, key);
    expect(first.status).toBe(200);
    const again = await credit('us-east', id, 500, key);
    expect(again).toMatchObject({ status: 200, replayed: 'true' });
    expect(again.body.events.map((e) => e.eventId)).toEqual(first.body.events.map((e) => e.eventId));
    // Other regions may not have the original yet: they store a copy with the same identity.
    for (const r of ['us-west', 'eu'] as const) expect((await credit(r, id, 500, key)).status).toBe(200);
    // A keyless credit sent twice is two credits: the marker that everything has arrived.
    expect((await credit('eu', id, 7)).status).toBe(200);
    expect((await credit('eu', id, 7)).status).toBe(200);
    for (const r of REGIONS)
      await waitFor(async () => (await creditIn(r, id)) === 514, {
        timeoutMs: 30_000,
        description: `${r} to show 500 once plus 2 × 7`,
      });
    // And it stays there (no late copy adds to it).
    const again2 = await credit('us-west', id, 500, key);
    expect(again2.status).toBe(200);
    for (const r of REGIONS) expect(await creditIn(r, id)).toBe(514);
  });

  it('rejects a malformed key with 400 naming the header, publishing nothing', async () => {
    const id = uniqueName('idem-bad');
    const res = await credit('us-east', id, 5, 'has space');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('Idempotency-Key');
  });
});
