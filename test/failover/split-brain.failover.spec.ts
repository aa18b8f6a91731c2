/**
 * Split-brain, Phase A: the primary (us-east) is cut off from the rest of the world by the WAN
 * (its etcd member loses the quorum; its broker and services keep running) while writers hammer
 * every region's profile-service directly. The cut-off region must refuse within the lease TTL, the
 * majority promotes another region with a higher epoch, and the events themselves show that no two
 * regions ever accepted at the same time — judged by what the brokers stored: each epoch has one
 * writing region, and every event of an epoch was appended (the broker's LogAppendTime, one machine
 * clock for every region here) before every event of the next. Client send times and HLC stamps are
 * taken before the send, so they could not show a write that landed after its lease.
 */
import { ConfluentSchemaRegistry, EventSerde } from '@meridian/contract';
import { readDesignation } from '@meridian/quorum';
import {
  ensurePrimary,
  LOCAL_REGISTRIES,
  localKafka,
  quorumVia,
  uniqueName,
  waitFor,
} from '@meridian/testing';
import { readTopicToEnd } from '../support/kafka';
import { serviceUrl, topology, TTL_MS, wan } from './support';

const REGIONS = topology.regions.map((r) => r.name) as ('us-east' | 'us-west' | 'eu')[];

interface Attempt {
  region: string;
  startMs: number;
  status: number;
}

interface Stamped {
  region: string;
  epoch: number;
  /** The broker's append time of the record. */
  appendedMs: number;
}

async function localEvents(region: (typeof REGIONS)[number], ids: Set<string>): Promise<Stamped[]> {
  const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: LOCAL_REGISTRIES[region] }) });
  const kafka = localKafka(region);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      resources: [{ type: 2 /* TOPIC */, name: 'meridian.profile', configNames: ['message.timestamp.type'] }],
      includeSynonyms: false,
    });
    // Without it the record timestamp is the producer's clock, not what the broker saw.
    expect(resources[0]?.configEntries[0]?.configValue).toBe('LogAppendTime');
  } finally {
    await admin.disconnect();
  }
  const out: Stamped[] = [];
  for (const r of await readTopicToEnd(kafka, 'meridian.profile')) {
    if (!r.key || !ids.has(r.key) || !r.rawValue) continue;
    const e = (await serde.decode(r.rawValue, r.rawHeaders, { topic: 'meridian.profile' })) as {
      envelope: { originRegion: string; writerEpoch: number };
    };
    out.push({
      region: e.envelope.originRegion,
      epoch: Number(e.envelope.writerEpoch),
      appendedMs: Number(r.timestamp),
    });
  }
  return out;
}

describe('Phase A split-brain: a primary cut off from the quorum', () => {
  beforeAll(async () => {
    await wan.heal();
    await ensurePrimary(topology, 'us-east');
  });
  afterAll(async () => {
    await wan.heal();
  });

  it('refuses within the lease TTL, a standby is promoted, and no two regions ever accept together', async () => {
    const ids = Object.fromEntries(REGIONS.map((r) => [r, uniqueName(`split-${r}`)]));
    const attempts: Attempt[] = [];
    let stop = false;
    const writers = REGIONS.map(async (region) => {
      while (!stop) {
        const startMs = Date.now();
        const status = await fetch(`${serviceUrl(region)}/profiles/${ids[region]}/logins`, {
          method: 'POST',
          signal: AbortSignal.timeout(5000),
        })
          .then(async (r) => (await r.arrayBuffer(), r.status))
          .catch(() => 0);
        attempts.push({ region, startMs, status });
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    await waitFor(() => attempts.some((a) => a.region === 'us-east' && a.status === 200), {
      timeoutMs: 10_000,
      description: 'us-east to accept writes before the cut',
    });

    // The cut is one step in the WAN process, somewhere between these two instants: until it
    // returns, us-east may still have had its quorum, so the lease bound counts from its return.
    const cutCalledAt = Date.now();
    await wan.isolate('us-east');
    const cutAt = Date.now();
    const q = quorumVia(topology, 'us-west');
    let promoted: { region: string; epoch: number } | undefined;
    try {
      await waitFor(
        async () => {
          const d = await readDesignation(q).catch(() => undefined);
          if (d && d.value.region !== 'us-east' && d.value.state === 'active') promoted = d.value;
          return (
            promoted !== undefined &&
            attempts.some((a) => a.region === promoted!.region && a.status === 200 && a.startMs > cutAt)
          );
        },
        { timeoutMs: 60_000, intervalMs: 100, description: 'a standby to be promoted and to accept writes' },
      );
    } finally {
      q.close();
    }
    const promotedAt = Date.now();
    await new Promise((r) => setTimeout(r, 2000)); // more writes on both sides of the cut
    stop = true;
    await Promise.all(writers);
    await wan.heal();

    const eastOk = attempts.filter((a) => a.region === 'us-east' && a.status === 200);
    const lastEastAcceptedAfterCut = Math.max(...eastOk.map((a) => a.startMs)) - cutAt;
    const firstEastRefusal = attempts.find(
      (a) => a.region === 'us-east' && a.startMs > cutAt && a.status !== 200,
    );
    console.log(
      `[split-brain] cut at 0 (the isolate call took ${cutAt - cutCalledAt} ms); us-east last accepted a write sent at ${lastEastAcceptedAfterCut} ms, first refused one sent at ${
        firstEastRefusal ? firstEastRefusal.startMs - cutAt : '?'
      } ms (lease TTL ${TTL_MS} ms); ${promoted!.region} promoted at epoch ${promoted!.epoch}, accepting ${promotedAt - cutAt} ms after the cut`,
    );
    // The cut-off region takes no write sent later than the lease TTL after the cut.
    expect(lastEastAcceptedAfterCut).toBeLessThan(TTL_MS);
    expect(promoted!.epoch).toBeGreaterThan(1);

    // What was stored: one writing region per epoch, epochs strictly ordered in time.
    const events = (
      await Promise.all(REGIONS.map((r) => localEvents(r, new Set(Object.values(ids)))))
    ).flat();
    const byEpoch = new Map<number, Stamped[]>();
    for (const e of events) byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), e]);
    const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
    for (const e of epochs)
      expect({ epoch: e, regions: [...new Set(byEpoch.get(e)!.map((x) => x.region))] }).toEqual({
        epoch: e,
        regions: [byEpoch.get(e)![0]!.region],
      });
    for (let i = 1; i < epochs.length; i++) {
      const before = Math.max(...byEpoch.get(epochs[i - 1]!)!.map((x) => x.appendedMs));
      const after = Math.min(...byEpoch.get(epochs[i]!)!.map((x) => x.appendedMs));
      expect(before).toBeLessThan(after);
    }
    expect(events.some((e) => e.region === promoted!.region && e.epoch === promoted!.epoch)).toBe(true);
    console.log(
      `[split-brain] ${events.length} events stored, epochs ${epochs.join(', ')}: one writer each, in order`,
    );
  });
});
