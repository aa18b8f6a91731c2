/**
 * The monitor end to end against a fake of kafkajs (brokers, admin clients with kafkajs's sticky
 * metadata topics, consumers fed MM2 offset-syncs and heartbeats), driven tick by tick on a fake
 * clock: the cases of issue 15, item 6.
 */
import { parseTopology } from '@meridian/topology';
import { fakeWorld } from './fake-kafka.spec-helper';
import { type FlowFigures, ReplicationMonitor } from './monitor';

jest.mock('kafkajs', () => jest.requireActual('./fake-kafka.spec-helper').fakeKafkajs);

const A = '127.0.0.1:10001';
const B = '127.0.0.1:10003';
const topology = parseTopology({
  name: 'x',
  rpoTargetMs: 60_000,
  regions: [
    { name: 'a', kafka: { port: 10001, controllerPort: 10002 } },
    { name: 'b', kafka: { port: 10003, controllerPort: 10004 } },
  ],
  flows: [{ from: 'a', to: 'b' }],
});

const T0 = 10_000_000;
let clock = T0;
let monitor: ReplicationMonitor;

/** MirrorMaker 2 of flow a → b, played by the test: copies records and writes offset-syncs. */
const mm2 = {
  next: new Map<string, number>(),
  async mirror(topic: string, upTo: number, sync = true): Promise<void> {
    const a = fakeWorld.broker(A);
    const b = fakeWorld.broker(B);
    const from = this.next.get(topic) ?? 0;
    const ts = a.topics.get(topic)![0]!.ts;
    for (let i = from; i < upTo; i++) b.append(`a.${topic}`, 0, ts[i]!);
    this.next.set(topic, upTo);
    if (sync && upTo > 0)
      await fakeWorld.deliverSync(B, 'a', {
        topic,
        partition: 0,
        upstreamOffset: BigInt(upTo - 1),
        downstreamOffset: BigInt(b.end(`a.${topic}`) - 1),
      });
  },
};

async function given(topics: string[]): Promise<void> {
  fakeWorld.reset();
  mm2.next.clear();
  clock = T0;
  for (const t of topics) {
    fakeWorld.broker(A).createTopic(t);
    fakeWorld.broker(B).createTopic(`a.${t}`);
  }
}

async function startMonitor(): Promise<void> {
  monitor = new ReplicationMonitor({
    topology,
    rpoTargetMs: 60_000,
    sampleIntervalMs: 100,
    now: () => clock,
  });
  await monitor.start();
}

/** Advances the clock and takes one sample. */
async function at(ms: number): Promise<FlowFigures> {
  clock = ms;
  await monitor.tick();
  return monitor.flows().find((f) => f.source === 'a' && f.target === 'b')!;
}

beforeEach(() => jest.useFakeTimers()); // the sampling loop never runs by itself: ticks are explicit
afterEach(async () => {
  await monitor?.stop();
  jest.useRealTimers();
});

describe('ReplicationMonitor (fake kafkajs, fake clock)', () => {
  it('6a: restarted during an MM2 outage, dates the backlog from the records, not from its own start', async () => {
    await given(['meridian.t']);
    fakeWorld.broker(A).append('meridian.t', 0, T0 - 600_000, 10);
    await mm2.mirror('meridian.t', 10);
    fakeWorld.broker(A).append('meridian.t', 0, T0 - 300_000, 10); // MM2 is down from here
    await startMonitor();
    await at(T0);
    const f = await at(T0 + 1000);
    expect(f.rpoRecords).toBe(10);
    expect(f.rpoMs).toBeGreaterThanOrEqual(301_000);
    expect(f.withinTarget).toBe(false);
  });

  it('6b: in an 83-minute outage the age keeps growing (no plateau at ~33 min)', async () => {
    await given(['meridian.t']);
    await startMonitor();
    fakeWorld.broker(A).append('meridian.t', 0, T0, 1);
    await mm2.mirror('meridian.t', 1);
    await at(T0);
    // MM2 down; one acknowledged record per 100 ms sample.
    let f: FlowFigures | undefined;
    for (let i = 1; i <= 50_000; i++) {
      fakeWorld.broker(A).append('meridian.t', 0, T0 + i * 100);
      f = await at(T0 + i * 100);
    }
    expect(f!.rpoRecords).toBe(50_000);
    // The first unmirrored record was acknowledged after the sample at T0 + 0 ms … + 100 ms.
    expect(f!.rpoMs).toBeGreaterThanOrEqual(50_000 * 100 - 100);
  }, 60_000);

  it('6c: a dead source is stale, never within target, and its figures keep ageing', async () => {
    await given(['meridian.t']);
    await startMonitor();
    fakeWorld.broker(A).append('meridian.t', 0, T0, 5);
    await mm2.mirror('meridian.t', 5);
    expect(await at(T0)).toMatchObject({ rpoRecords: 0, withinTarget: true, stale: false });
    fakeWorld.broker(A).up = false;
    await at(T0 + 100);
    const f = await at(T0 + 30_100);
    expect(f).toMatchObject({ stale: true, withinTarget: false });
    expect(f.rpoMs).toBeGreaterThanOrEqual(30_000);
  });

  it('6a: started while the source does not answer, the flow is stale and not measured (not "0 at risk")', async () => {
    await given(['meridian.t']);
    fakeWorld.broker(A).append('meridian.t', 0, T0 - 10_000, 5);
    fakeWorld.broker(A).up = false;
    await startMonitor();
    let f = await at(T0);
    expect(f).toMatchObject({ stale: true, measured: false, withinTarget: false, drained: false });
    fakeWorld.broker(A).up = true;
    f = await at(T0 + 100);
    expect(f).toMatchObject({ stale: false, measured: true, rpoRecords: 5, withinTarget: true });
    expect(f.rpoMs).toBeGreaterThanOrEqual(10_000);
  });

  it('6c: with the target silent, what the source acknowledged since is counted', async () => {
    await given(['meridian.t']);
    await startMonitor();
    fakeWorld.broker(A).append('meridian.t', 0, T0, 5);
    await mm2.mirror('meridian.t', 5);
    await at(T0);
    fakeWorld.broker(B).up = false;
    fakeWorld.broker(A).append('meridian.t', 0, T0 + 50, 10);
    await at(T0 + 100);
    const f = await at(T0 + 20_100);
    expect(f).toMatchObject({ stale: true, withinTarget: false, rpoRecords: 10 });
    expect(f.rpoMs).toBeGreaterThanOrEqual(20_000);
  });

  it("6d: MM2's duplicates after a restart do not let the drain pass", async () => {
    await given(['meridian.t']);
    await startMonitor();
    fakeWorld.broker(A).append('meridian.t', 0, T0, 10);
    await mm2.mirror('meridian.t', 10); // sync 9 ↔ 9
    fakeWorld.broker(A).append('meridian.t', 0, T0 + 50, 5); // 10..14
    // MM2 restarts from its last committed source offset 5: 5..9 again, as downstream 10..14.
    mm2.next.set('meridian.t', 5);
    await mm2.mirror('meridian.t', 10, false); // its re-pinning sync not read yet
    const f = await at(T0 + 100);
    expect(f.rpoRecords).toBe(5); // the count says 0; the first sight's timestamp bound says 5
    expect(f.drained).toBe(false);
    await mm2.mirror('meridian.t', 15); // 10..14 mirrored, sync 14 ↔ 19
    expect((await at(T0 + 200)).drained).toBe(true);
  });

  it("6d: MM2's duplicates do not hide a backlog: bounded at first sight, then whenever the copy stands still", async () => {
    await given(['meridian.t']);
    fakeWorld.broker(A).append('meridian.t', 0, T0 - 5000, 10);
    await mm2.mirror('meridian.t', 10); // sync 9 ↔ 9
    fakeWorld.broker(A).append('meridian.t', 0, T0 - 4000, 5); // 10..14
    mm2.next.set('meridian.t', 5);
    await mm2.mirror('meridian.t', 10, false); // 5..9 again as downstream 10..14, then MM2 dies
    await startMonitor(); // a monitor started during the outage
    let f = await at(T0 + 100);
    expect(f.partitions[0]!.mirroredEnd).toBe('10'); // the count alone would say 15
    expect(f.rpoRecords).toBe(5);
    expect(f.rpoMs).toBeGreaterThanOrEqual(4100);
    await mm2.mirror('meridian.t', 15); // MM2 back: 10..14 mirrored, sync 14 ↔ 19
    expect((await at(T0 + 200)).rpoRecords).toBe(0);
    // It restarts again (10..14 once more, as 20..24), the source appends 15..19, and MM2 dies.
    mm2.next.set('meridian.t', 10);
    await mm2.mirror('meridian.t', 15, false);
    fakeWorld.broker(A).append('meridian.t', 0, T0 + 250, 5);
    f = await at(T0 + 300);
    expect(f.rpoRecords).toBe(0); // the copy just moved: the count is fooled for now
    f = await at(T0 + 1400); // the copy has stood still for 1.1 s: bounded by timestamps
    expect(f.partitions[0]!.mirroredEnd).toBe('15');
    expect(f.rpoRecords).toBe(5);
    expect(f.rpoMs).toBeGreaterThanOrEqual(1100);
  });

  it('6e: a partitioned flow shows no replication latency, only a growing heartbeat age', async () => {
    await given(['meridian.t']);
    await startMonitor();
    await at(T0);
    await fakeWorld.deliverHeartbeat(B, 'a', 'b', T0 - 50); // arrives at T0: 50 ms
    expect((await at(T0 + 100)).replicationLatencyMs).toBe(50);
    const f = await at(T0 + 10_000); // the WAN between a and b is cut: no heartbeat since
    expect(f.replicationLatencyMs).toBeUndefined();
    expect(f.heartbeatAgeMs).toBe(10_050);
  });

  it('6f: a deleted source topic leaves the figures; the rest of the flow keeps being measured', async () => {
    await given(['meridian.t1', 'meridian.t2']);
    await startMonitor();
    fakeWorld.broker(A).append('meridian.t1', 0, T0, 3);
    fakeWorld.broker(A).append('meridian.t2', 0, T0, 3);
    await mm2.mirror('meridian.t1', 3);
    await mm2.mirror('meridian.t2', 3);
    await at(T0);
    fakeWorld.broker(A).topics.delete('meridian.t1'); // the remote copy in b stays
    fakeWorld.broker(A).append('meridian.t2', 0, T0 + 50, 4);
    for (const ms of [T0 + 100, T0 + 6000]) {
      const f = await at(ms);
      expect(f.stale).toBe(false);
      expect(f.partitions.map((p) => p.topic)).toEqual(['meridian.t2']);
      expect(f.rpoRecords).toBe(4);
    }
    await mm2.mirror('meridian.t2', 7);
    expect(await at(T0 + 6100)).toMatchObject({ stale: false, rpoRecords: 0, drained: true });
  });
});
