/**
 * The local WAN: every cross-region connection crosses a fault-injecting proxy per directed region
 * pair. Checked on the real topology: remote clients are steered through the proxy by the brokers'
 * advertised listeners, MirrorMaker 2 sees the injected delay, and a partition stops the mirror
 * until it heals.
 */
import { Kafka, logLevel } from 'kafkajs';
import {
  loadTopology,
  reachBootstrap,
  remoteTopicName,
  wanProxyPort,
  findRepoRoot,
} from '@meridian/topology';
import { localKafka, readRecords, uniqueName, waitFor } from '@meridian/testing';
import { WanControl } from '@meridian/wan';

const t = loadTopology('active-active', findRepoRoot());
const wan = new WanControl(`http://127.0.0.1:${t.wan!.controlPort}`);
const NEW_TOPIC_DEADLINE_MS = 90_000;

describe('the WAN between regions', () => {
  const usEast = localKafka('us-east');
  const usWest = localKafka('us-west');
  const topic = `meridian.${uniqueName('wan')}`;
  let reader: Awaited<ReturnType<typeof readRecords>>;
  const producer = usEast.producer({ idempotent: true });

  /** Produces one record in us-east; resolves with the ms until it was consumed in us-west. */
  async function mirrorDelayMs(deadlineMs = 20_000): Promise<number> {
    const before = reader.records.length;
    const sentAt = Date.now();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: String(sentAt) }] });
    const recs = await reader.waitForCount(before + 1, deadlineMs);
    return recs[before]!.receivedAtMs - sentAt;
  }

  beforeAll(async () => {
    const admin = usEast.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const westAdmin = usWest.admin();
    await westAdmin.connect();
    await waitFor(async () => (await westAdmin.listTopics()).includes(remoteTopicName('us-east', topic)), {
      timeoutMs: NEW_TOPIC_DEADLINE_MS,
      intervalMs: 250,
      description: 'MirrorMaker 2 to create the mirrored topic in us-west',
    });
    await westAdmin.disconnect();
    reader = await readRecords(usWest, remoteTopicName('us-east', topic));
    await producer.connect();
    await mirrorDelayMs(60_000); // the first record also waits for the mirror's task to start
  });

  afterAll(async () => {
    await wan.heal();
    await reader?.stop();
    await producer.disconnect();
  });

  it('a remote client is steered through its link: the broker advertises the proxy', async () => {
    const viaWan = new Kafka({
      brokers: [reachBootstrap(t, 'us-west', 'us-east')],
      logLevel: logLevel.NOTHING,
    });
    const admin = viaWan.admin();
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    await admin.disconnect();
    expect(brokers.map((b) => b.port)).toEqual([wanProxyPort(t, 'us-west', 'us-east', 'kafka')]);
    const links = await wan.links();
    expect(links.find((l) => l.from === 'us-west' && l.to === 'us-east')!.connections).toBeGreaterThan(0);
  });

  it('MirrorMaker 2 sees the injected delay: default 40 ms, then 300 ms on its link', async () => {
    const base = t.wan!.delayMs - t.wan!.jitterMs;
    const defaults = [];
    for (let i = 0; i < 5; i++) defaults.push(await mirrorDelayMs());
    // The mirror's fetch response crosses the link once: at least the one-way delay.
    expect(Math.min(...defaults)).toBeGreaterThanOrEqual(base);

    await wan.set('us-west', 'us-east', { delayMs: 300, jitterMs: 0 });
    const slow = [];
    for (let i = 0; i < 5; i++) slow.push(await mirrorDelayMs());
    expect(Math.min(...slow)).toBeGreaterThanOrEqual(300);
    console.log(
      `[wan] mirror delay us-east -> us-west: ${defaults.join(', ')} ms at 40 ms; ${slow.join(', ')} ms at 300 ms`,
    );
    await wan.heal();
  });

  it('isolating a region cuts every link into and out of it in one step, and nothing else', async () => {
    try {
      await wan.isolate('eu');
      const links = await wan.links();
      const touching = links.filter((l) => l.from === 'eu' || l.to === 'eu');
      expect(touching.length).toBe(2 * (t.regions.length - 1));
      expect(touching.map((l) => [l.mode, l.connections])).toEqual(touching.map(() => ['partition', 0]));
      expect(links.filter((l) => l.from !== 'eu' && l.to !== 'eu').every((l) => l.mode === 'pass')).toBe(
        true,
      );
      await expect(wan.isolate('mars')).rejects.toThrow(/404 no WAN link into or out of mars/);
      const pass = await fetch(`http://127.0.0.1:${t.wan!.controlPort}/regions/eu/isolate`, {
        method: 'POST',
        body: JSON.stringify({ mode: 'pass' }),
      });
      expect(pass.status).toBe(400);
    } finally {
      await wan.heal();
    }
    expect((await wan.links()).every((l) => l.mode === 'pass')).toBe(true);
  });

  it('a partition stops the mirror on that link only; after healing the record arrives', async () => {
    await wan.set('us-west', 'us-east', { mode: 'partition' });
    expect((await wan.links()).find((l) => l.from === 'us-west' && l.to === 'us-east')!.connections).toBe(0);
    const before = reader.records.length;
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'during-partition' }] });
    // Absence over a window is the claim here: nothing crosses a partitioned link.
    await new Promise((r) => setTimeout(r, 3000));
    expect(reader.records.length).toBe(before);
    await wan.heal();
    const recs = await reader.waitForCount(before + 1, 60_000);
    expect(recs[before]!.value).toBe('during-partition');
  });
});
