/**
 * A durability choice per write, on the real topology: `Meridian-Durability: remote` is answered only
 * once another region holds the write (MirrorMaker 2's offset-syncs there say so), which takes at
 * least the copy's WAN crossing and the confirmation's crossing back; with the region cut off it is
 * a 504 REMOTE_UNCONFIRMED (stored here, not a success), and a keyed retry after the WAN heals is
 * confirmed without publishing again.
 */
import type { Kafka } from 'kafkajs';
import { aggregateTopic, findRepoRoot, loadTopology } from '@meridian/topology';
import { LOCAL_APPS, localKafka, uniqueName, waitFor } from '@meridian/testing';
import { WanControl } from '@meridian/wan';

const t = loadTopology('active-active', findRepoRoot());
const wan = new WanControl(`http://127.0.0.1:${t.wan!.controlPort}`);
type Region = keyof typeof LOCAL_APPS;

async function credit(id: string, amountCents: number, headers: Record<string, string> = {}) {
  const started = performance.now();
  const res = await fetch(`${LOCAL_APPS['us-east'].service}/profiles/${id}/credit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ amountCents }),
  });
  return {
    status: res.status,
    ms: performance.now() - started,
    confirmedIn: res.headers.get('meridian-confirmed-in'),
    durability: res.headers.get('meridian-durability'),
    replayed: res.headers.get('idempotent-replayed'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

async function creditIn(region: Region, id: string): Promise<number | undefined> {
  const res = await fetch(`${LOCAL_APPS[region].projector}/aggregates/profile/${id}`);
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { state: { credit?: { counter?: number } } }).state.credit?.counter;
}

async function profileTopicEnds(kafka: Kafka): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(aggregateTopic('profile'));
    return offsets.map((o) => `${o.partition}:${o.high}`).join(',');
  } finally {
    await admin.disconnect();
  }
}

describe('Meridian-Durability per write (issue 18 §2)', () => {
  afterEach(async () => {
    await wan.heal();
  });

  it('remote answers once another region holds it: never sooner than the two WAN crossings, naming the region', async () => {
    const id = uniqueName('durable');
    // The first remote write may wait for the readers of the targets' offset-syncs to be positioned.
    await waitFor(
      async () => (await credit(uniqueName('warm'), 1, { 'meridian-durability': 'remote' })).status === 200,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: 'a first remote write to be confirmed',
      },
    );
    const local = await credit(id, 100);
    expect(local).toMatchObject({ status: 200, durability: 'local', confirmedIn: null });
    const remote = await credit(id, 200, { 'meridian-durability': 'remote' });
    expect(remote).toMatchObject({ status: 200, durability: 'remote' });
    expect(['us-west', 'eu']).toContain(remote.confirmedIn);
    // The copy crosses the WAN to the target and MM2's word crosses back: two one-way delays at least.
    const floorMs = 2 * (t.wan!.delayMs - t.wan!.jitterMs);
    expect(remote.ms).toBeGreaterThanOrEqual(floorMs);
    const where = remote.confirmedIn as Region;
    await waitFor(async () => (await creditIn(where, id)) === 300, {
      timeoutMs: 30_000,
      description: `${where} (which confirmed it) to project both credits`,
    });
  });

  it('cut off from every other region: 504 REMOTE_UNCONFIRMED, stored locally; a keyed retry after healing is confirmed and publishes nothing', async () => {
    const id = uniqueName('durable-cut');
    const key = uniqueName('pay');
    await wan.isolate('us-east');
    const cut = await credit(id, 500, { 'meridian-durability': 'remote', 'idempotency-key': key });
    expect(cut.status).toBe(504);
    expect(cut.body).toMatchObject({ error: 'REMOTE_UNCONFIRMED', stored: 'local' });
    expect(String(cut.body.message)).toContain('no other region confirmed holding it');
    // Stored here: the local projection has it, once.
    await waitFor(async () => (await creditIn('us-east', id)) === 500, {
      timeoutMs: 30_000,
      description: 'us-east to project the locally stored credit',
    });
    await wan.heal();
    let retried: Awaited<ReturnType<typeof credit>> | undefined;
    await waitFor(
      async () => {
        retried = await credit(id, 500, { 'meridian-durability': 'remote', 'idempotency-key': key });
        return retried.status === 200;
      },
      { timeoutMs: 90_000, intervalMs: 500, description: 'the keyed retry to be confirmed after healing' },
    );
    expect(retried).toMatchObject({ status: 200, replayed: 'true', durability: 'remote' });
    const where = retried!.confirmedIn as Region;
    expect(['us-west', 'eu']).toContain(where);
    await waitFor(async () => (await creditIn(where, id)) === 500, {
      timeoutMs: 30_000,
      description: `${where} to project the credit`,
    });
    // A keyless marker after it: once it is there, nothing more of the keyed credit can arrive.
    expect((await credit(id, 1)).status).toBe(200);
    await waitFor(async () => (await creditIn(where, id)) === 501, {
      timeoutMs: 30_000,
      description: `${where} to project the marker`,
    });
    expect(await creditIn('us-east', id)).toBe(501);
  });

  it('an unknown durability is a 400 naming the header, and nothing is published', async () => {
    const kafka = localKafka('us-east');
    const before = await profileTopicEnds(kafka);
    const bad = await credit(uniqueName('durable-bad'), 5, { 'meridian-durability': 'everywhere' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('Meridian-Durability header');
    expect(await profileTopicEnds(kafka)).toBe(before);
  });
});
