/**
 * Cross-region end-to-end latency and whole-pipeline throughput, with the WAN's default delay in
 * place (needs the active-active topology up: `npm start`).
 *
 * Latency: a publisher in us-east (EventPublisher, as a service uses it) publishes at a fixed rate;
 * the time from the publish call to the event being applied in us-west's projection (polled every
 * few ms), beside the injected one-way WAN delay (the floor), the mirror alone (publish → record in
 * us-west's mirrored topic) and raw kafkajs produce → consume inside one region — once per mirror
 * placement (`target`, `source`: BENCH_MIRROR_PLACEMENTS), on the same topology.
 * Throughput: N events published as fast as the publisher takes them, until us-west applied all,
 * beside raw kafkajs producer and consumer rates measured in the same run.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { PROFILE, profileSteps } from '@meridian/domain';
import { EventPublisher } from '@meridian/publisher';
import {
  bootstrapServers,
  loadTopology,
  region,
  registryUrl,
  remoteTopicName,
  findRepoRoot,
  type Topology,
} from '@meridian/topology';
import { perPlacement } from './placement';
import { percentile } from './report';
import type { BenchReport } from './run';
import { ReadApiClient } from '@meridian/read-api';

const RATE = Number(process.env.BENCH_E2E_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 30);
const BURST = Number(process.env.BENCH_E2E_BURST ?? 20_000);
const POLL_MS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function logins(projectorUrl: string, id: string): Promise<number> {
  const v = await new ReadApiClient(projectorUrl).aggregate('profile', id);
  return v?.state.logins?.counter ?? 0;
}

/** Raw kafkajs inside one region: produce one record, consume it; and batched rates. */
async function rawBaselines(
  kafka: Kafka,
): Promise<{ latencyP50: number; produceRate: number; consumeRate: number }> {
  const topic = `bench-raw-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxWaitTimeInMs: 10 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const arrived = new Map<string, number>();
  await consumer.run({
    eachMessage: async ({ message }) => void arrived.set(message.value!.toString(), Date.now()),
  });
  await sleep(3000); // group join
  const lat: number[] = [];
  for (let i = 0; i < 200; i++) {
    const v = `l${i}`;
    const t0 = Date.now();
    await producer.send({ topic, acks: -1, messages: [{ value: v }] });
    while (!arrived.has(v)) await sleep(1);
    lat.push(arrived.get(v)! - t0);
  }
  await consumer.disconnect();
  // Batched producer rate and a fresh consumer's rate over the same records.
  const n = 100_000;
  const payload = Buffer.alloc(150, 1);
  const tp = Date.now();
  for (let i = 0; i < n; i += 1000)
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 1000 }, () => ({ value: payload })),
    });
  const produceRate = n / ((Date.now() - tp) / 1000);
  await producer.disconnect();
  const reader = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxBytes: 4 << 20 });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  let last = 0;
  await reader.run({
    eachBatch: async ({ batch }) => {
      if (first === 0) first = Date.now();
      seen += batch.messages.length;
      last = Date.now();
    },
  });
  while (seen < n + 200) await sleep(20);
  await reader.disconnect();
  return {
    latencyP50: percentile(lat, 50),
    produceRate,
    consumeRate: n / Math.max(0.001, (last - first) / 1000),
  };
}

/** Fixed-rate latency on the topology as it runs now: publish → applied, and publish → mirrored. */
interface LatencyRun {
  /** publish call → applied in us-west's projection */
  e2e: number[];
  /** publish call → in us-west's copy of the topic */
  mirror: number[];
  /** publish call → acknowledged (acks=all) in us-east */
  ack: number[];
}

async function latencyRun(t: Topology): Promise<LatencyRun> {
  const east = region(t, 'us-east');
  const west = region(t, 'us-west');
  const westProjector = `http://127.0.0.1:${west.projector!.port}`;
  const publisher = new EventPublisher({
    region: 'us-east',
    kafka: { brokers: [bootstrapServers(east)], clientId: 'bench-e2e' },
    registry: { url: registryUrl(east)! },
  });
  await publisher.connect();

  // The mirror alone: when each of our records shows up in us-west's copy of us-east's topic.
  const id = `bench-e2e-${randomUUID().slice(0, 8)}`;
  const westKafka = new Kafka({
    clientId: 'bench-e2e',
    brokers: [bootstrapServers(west)],
    logLevel: logLevel.NOTHING,
  });
  const mirrored: number[] = [];
  const mirrorConsumer = westKafka.consumer({ groupId: `bench-e2e-${randomUUID()}`, maxWaitTimeInMs: 10 });
  await mirrorConsumer.connect();
  await mirrorConsumer.subscribe({
    topic: remoteTopicName('us-east', 'meridian.profile'),
    fromBeginning: false,
  });
  await mirrorConsumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() === id) mirrored.push(Date.now());
    },
  });
  await sleep(3000); // group join

  // Fixed rate: one publish every 1000/RATE ms; each sample = applied in us-west − publish call.
  const total = RATE * SECONDS;
  const started: number[] = [];
  const applied: number[] = [];
  let stopPolling = false;
  const poller = (async () => {
    while (!stopPolling) {
      const n = await logins(westProjector, id).catch(() => applied.length);
      while (applied.length < n) applied.push(Date.now());
      await sleep(POLL_MS);
    }
  })();
  const pending: Promise<unknown>[] = [];
  const ack: number[] = [];
  const t0 = Date.now();
  for (let i = 0; i < total; i++) {
    await sleep(Math.max(0, t0 + (i * 1000) / RATE - Date.now()));
    const at = Date.now();
    started.push(at);
    pending.push(
      publisher.publish(PROFILE, id, [profileSteps.recordLogin()]).then(() => ack.push(Date.now() - at)),
    );
  }
  await Promise.all(pending);
  const deadline = Date.now() + 60_000;
  while (applied.length < total && Date.now() < deadline) await sleep(20);
  stopPolling = true;
  await poller;
  await mirrorConsumer.disconnect();
  if (applied.length < total) throw new Error(`only ${applied.length} of ${total} events applied in us-west`);
  const e2e = started.map((s, i) => applied[i]! - s);
  const mirror = started.slice(0, mirrored.length).map((s, i) => mirrored[i]! - s);
  await publisher.close();
  return { e2e, mirror, ack };
}

export default async function e2eBench(): Promise<BenchReport> {
  const runs = await perPlacement('active-active', (t) => latencyRun(t));
  const t = loadTopology('active-active', findRepoRoot());
  const east = region(t, 'us-east');
  const westProjector = `http://127.0.0.1:${region(t, 'us-west').projector!.port}`;
  const floorMs = t.wan?.delayMs ?? 0;
  const publisher = new EventPublisher({
    region: 'us-east',
    kafka: { brokers: [bootstrapServers(east)], clientId: 'bench-e2e' },
    registry: { url: registryUrl(east)! },
  });
  await publisher.connect();

  // Whole pipeline under a burst: as fast as the publisher takes writes, until us-west applied all.
  const ids = Array.from({ length: 50 }, (_, i) => `bench-burst-${randomUUID().slice(0, 8)}-${i}`);
  const tb = Date.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < BURST; i++) {
    inflight.push(publisher.publish(PROFILE, ids[i % ids.length]!, [profileSteps.recordLogin()]));
    if (inflight.length >= 500) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  const publishedAt = Date.now();
  const burstDeadline = Date.now() + 300_000;
  for (;;) {
    const counts = await Promise.all(ids.map((x) => logins(westProjector, x)));
    if (counts.reduce((a, b) => a + b, 0) >= BURST) break;
    if (Date.now() > burstDeadline) throw new Error('burst not applied in us-west within 300 s');
    await sleep(100);
  }
  const pipelineRate = BURST / ((Date.now() - tb) / 1000);
  const publishRate = BURST / ((publishedAt - tb) / 1000);
  await publisher.close();

  const raw = await rawBaselines(
    new Kafka({ clientId: 'bench-raw', brokers: [bootstrapServers(east)], logLevel: logLevel.NOTHING }),
  );
  const p = (xs: number[], q: number) => percentile(xs, q);
  return {
    bench: `cross-region end-to-end (us-east → us-west projection, WAN ${floorMs} ms one way ±${t.wan?.jitterMs ?? 0})`,
    lines: [
      ...runs.flatMap(({ placement, result: { e2e, mirror, ack } }) => [
        {
          name: `[${placement}] e2e latency p50 at ${RATE} ev/s`,
          value: p(e2e, 50),
          unit: 'ms',
          baseline: { name: 'injected WAN one-way delay (floor)', value: floorMs, unit: 'ms' },
          note: `target ≤ floor + 25 ms`,
        },
        {
          name: `[${placement}] e2e latency p99`,
          value: p(e2e, 99),
          unit: 'ms',
          baseline: { name: 'mirror alone p99', value: p(mirror, 99), unit: 'ms' },
          note: `target ≤ floor + 60 ms`,
        },
        { name: `[${placement}] e2e latency max`, value: Math.max(...e2e), unit: 'ms' },
        {
          name: `[${placement}] overhead over the WAN delay, p50`,
          value: p(e2e, 50) - floorMs,
          unit: 'ms',
          baseline: {
            name: 'raw kafkajs produce→consume in one region p50',
            value: raw.latencyP50,
            unit: 'ms',
          },
        },
        {
          name: `[${placement}] mirror alone (publish → us-west topic) p50`,
          value: p(mirror, 50),
          unit: 'ms',
          baseline: { name: 'injected WAN one-way delay', value: floorMs, unit: 'ms' },
        },
        {
          // Per hop, at the median: the record is appended before its ack returns, so the mirror hop
          // (ack → in the copy) is an upper bound and the ack a lower one.
          name: `[${placement}] hops p50: publisher ack | ack → us-west copy | copy → applied`,
          value: p(ack, 50),
          unit: 'ms',
          note: `${Math.round(p(mirror, 50) - p(ack, 50))} ms | ${Math.round(p(e2e, 50) - p(mirror, 50))} ms`,
        },
      ]),
      {
        name: `pipeline throughput (${BURST} events, publish → applied in us-west)`,
        value: pipelineRate,
        unit: 'events/s',
        baseline: { name: 'raw kafkajs consumer', value: raw.consumeRate, unit: 'msg/s' },
      },
      {
        name: 'publisher intake during the burst',
        value: publishRate,
        unit: 'events/s',
        baseline: { name: 'raw kafkajs batched producer', value: raw.produceRate, unit: 'msg/s' },
      },
    ],
    distributions: runs.flatMap(({ placement, result: { e2e, mirror } }) => [
      {
        name: `e2e-latency-${placement}`,
        unit: 'ms',
        samples: e2e,
        floor: { name: 'WAN one-way delay', value: floorMs },
      },
      {
        name: `mirror-latency-${placement}`,
        unit: 'ms',
        samples: mirror,
        floor: { name: 'WAN one-way delay', value: floorMs },
      },
    ]),
  };
}
