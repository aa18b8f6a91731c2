/**
 * profile-service against the real us-east broker and registry: every endpoint publishes exactly the
 * expected events (decoded from the topic and checked field by field); invalid requests publish
 * nothing.
 */
import type { INestApplication } from '@nestjs/common';
import { ConfluentSchemaRegistry, EventSerde, type MeridianEvent } from '@meridian/contract';
import { LOCAL_REGISTRIES, localKafka, localRegionEnv, readRecords, uniqueName } from '@meridian/testing';
import { startProfileService } from './app';

const REGISTRY = LOCAL_REGISTRIES['us-east'];
const NS = 'io.meridian.profile.v1';

describe('profile-service publishes every mutation as Avro events (real Kafka + registry)', () => {
  let app: INestApplication;
  let base: string;
  let reader: Awaited<ReturnType<typeof readRecords>>;
  const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: REGISTRY }) });

  beforeAll(async () => {
    ({ app, url: base } = await startProfileService({
      ...localRegionEnv('us-east'),
      PORT: 0,
      AUTO_REGISTER_SCHEMAS: false,
    }));
    reader = await readRecords(localKafka('us-east'), 'meridian.profile');
  });

  afterAll(async () => {
    await reader?.stop();
    await app?.close();
  });

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Decoded events of one profile, in topic order, once at least `n` are there. */
  async function eventsOf(profileId: string, n: number): Promise<MeridianEvent[]> {
    const decoded = async () => {
      const mine = reader.records.filter((r) => r.key === profileId);
      return Promise.all(
        mine.map((r) => serde.decode(r.rawValue, r.rawHeaders, { topic: 'meridian.profile' })),
      );
    };
    const deadline = Date.now() + 15_000;
    for (;;) {
      const evs = await decoded();
      if (evs.length >= n) return evs;
      if (Date.now() > deadline) throw new Error(`expected ${n} events of ${profileId}, saw ${evs.length}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('publishes one ProfileFieldChanged per field, with a complete envelope', async () => {
    const id = uniqueName('p');
    const res = await call(
      'PATCH',
      `/profiles/${id}`,
      { displayName: 'Ada', locale: 'en-GB' },
      { 'x-correlation-id': 'corr-1' },
    );
    expect(res.status).toBe(200);
    const evs = await eventsOf(id, 2);
    expect(evs).toHaveLength(2);
    expect(evs.map((e) => e.type)).toEqual([`${NS}.ProfileFieldChanged`, `${NS}.ProfileFieldChanged`]);
    expect(evs.map((e) => ('field' in e ? [e.field, e.value] : []))).toEqual([
      ['displayName', 'Ada'],
      ['locale', 'en-GB'],
    ]);
    const [a, b] = evs.map((e) => e.envelope);
    expect(a).toMatchObject({
      aggregateType: 'profile',
      aggregateId: id,
      originRegion: 'us-east',
      correlationId: 'corr-1',
      seq: 1,
    });
    expect(b!.seq).toBe(2);
    expect(b!.hlc.nodeId).toBe(a!.hlc.nodeId);
    expect(a!.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect((res.body.events as { eventId: string }[]).map((e) => e.eventId)).toEqual([
      a!.eventId,
      b!.eventId,
    ]);
  });

  it('maps every endpoint to its event type and payload', async () => {
    const id = uniqueName('p');
    const steps: [string, string, unknown, string, Record<string, unknown>][] = [
      [
        'PUT',
        `/profiles/${id}/preferences/theme`,
        { value: 'dark' },
        'PreferenceSet',
        { key: 'theme', value: 'dark' },
      ],
      ['DELETE', `/profiles/${id}/preferences/theme`, undefined, 'PreferenceRemoved', { key: 'theme' }],
      ['POST', `/profiles/${id}/tags`, { tag: 'vip' }, 'TagAdded', { tag: 'vip' }],
      ['DELETE', `/profiles/${id}/tags/vip`, undefined, 'TagRemoved', { tag: 'vip' }],
      ['POST', `/profiles/${id}/favourites`, { itemId: 'sku-1' }, 'FavouriteAdded', { itemId: 'sku-1' }],
      ['DELETE', `/profiles/${id}/favourites/sku-1`, undefined, 'FavouriteRemoved', { itemId: 'sku-1' }],
      [
        'POST',
        `/profiles/${id}/credit`,
        { amountCents: 500 },
        'CreditAdjusted',
        { amountCents: 500, totalsP: 500, totalsN: 0 },
      ],
      [
        'POST',
        `/profiles/${id}/credit`,
        { amountCents: -200 },
        'CreditAdjusted',
        { amountCents: -200, totalsP: 500, totalsN: 200 },
      ],
      ['POST', `/profiles/${id}/logins`, undefined, 'LoginRecorded', { totalsP: 1 }],
      ['POST', `/profiles/${id}/logins`, undefined, 'LoginRecorded', { totalsP: 2 }],
      [
        'POST',
        `/profiles/${id}/sessions`,
        { sessionId: 's1', device: 'phone' },
        'SessionStarted',
        { sessionId: 's1', device: 'phone' },
      ],
      [
        'DELETE',
        `/profiles/${id}/sessions/s1`,
        { reason: 'expired' },
        'SessionEnded',
        { sessionId: 's1', reason: 'expired' },
      ],
    ];
    for (const [method, path, body] of steps) expect((await call(method, path, body)).status).toBe(200);
    const evs = await eventsOf(id, steps.length);
    expect(evs).toHaveLength(steps.length);
    evs.forEach((e, i) => {
      const [, , , type, payload] = steps[i]!;
      expect(e.type).toBe(`${NS}.${type}`);
      expect(e).toMatchObject(payload);
      expect(e.envelope.seq).toBe(i + 1);
    });
    // The remove of a tag supersedes exactly the dot of its add.
    const add = evs[2]!.envelope;
    expect(evs[3]!.envelope.observed).toEqual([`${add.hlc.nodeId}:${add.seq}`]);
  });

  it.each([
    ['PATCH', '', { email: 'not-an-email' }, 'email'],
    ['PATCH', '', { displayName: 'x', colour: 'red' }, 'colour'],
    ['POST', '/credit', { amountCents: 1.5 }, 'amountCents'],
    ['POST', '/credit', { amountCents: 0 }, 'amountCents'],
    ['POST', '/tags', {}, 'tag'],
    ['POST', '/sessions', { device: '' }, 'device'],
    ['PUT', '/preferences/bad key!', { value: 'x' }, 'key'],
  ])('%s %s %j → 400 naming the field, nothing published', async (method, suffix, body, field) => {
    const id = uniqueName('bad');
    const res = await call(method, `/profiles/${id}${suffix}`, body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain(field);
    // A valid marker write afterwards: if the bad request had published, it would precede it.
    expect((await call('POST', `/profiles/${id}/logins`)).status).toBe(200);
    const evs = await eventsOf(id, 1);
    expect(evs.map((e) => e.type)).toEqual([`${NS}.LoginRecorded`]);
  });

  it('takes any id the store holds (an email), and refuses one outside the aggregate-key rule with 400 naming it', async () => {
    const email = `${uniqueName('ana')}@example.com`;
    expect((await call('POST', `/profiles/${encodeURIComponent(email)}/logins`)).status).toBe(200);
    expect((await eventsOf(email, 1)).map((e) => e.envelope.aggregateId)).toEqual([email]);
    // The one rule (@meridian/domain): what the store can hold; a tab would break the digest lines.
    const res = await call('POST', `/profiles/${encodeURIComponent('a\tb')}/logins`);
    expect(res.status).toBe(400);
    expect(String(res.body.message)).toMatch(/^id "a\\tb" contains a control character/);
  });
});
