/**
 * Sustained publish rate through profile-service's HTTP API (loopback load from autocannon), with
 * p50/p99 latency of acknowledged writes, beside the raw kafkajs producer on the same broker in the
 * same run: the same number of concurrent senders each awaiting acks=all for one message at a time
 * (what an HTTP request costs at best), and a batched producer (the broker's ceiling here).
 * Needs the local topology (`npm start`).
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { LOCAL_APPS, LOCAL_REGIONS, localRegionEnv } from '@meridian/testing';
import { startProfileService } from '../apps/profile-service/src/app';
import type { BenchReport } from './run';

const BROKER = LOCAL_REGIONS['us-east'];
const DURATION_S = Number(process.env.BENCH_PUBLISH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_PUBLISH_CONNECTIONS ?? 64);

async function rawProducer(topic: string): Promise<{ perMessage: number; batched: number }> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: [BROKER], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const value = Buffer.alloc(150, 7); // about the size of one encoded profile event
  // 1) CONNECTIONS concurrent senders, one message per send (no coalescing).
  let sent = 0;
  const until = Date.now() + (DURATION_S * 1000) / 2;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        await producer.send({ topic, acks: -1, messages: [{ key: randomUUID(), value }] });
        sent++;
      }
    }),
  );
  const perMessage = sent / (DURATION_S / 2);
  // 2) Batches of 500: the broker's ceiling for this client.
  let batched = 0;
  const t0 = Date.now();
  const until2 = t0 + (DURATION_S * 1000) / 2;
  while (Date.now() < until2) {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 500 }, () => ({ key: randomUUID(), value })),
    });
    batched += 500;
  }
  const batchedRate = batched / ((Date.now() - t0) / 1000);
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return { perMessage, batched: batchedRate };
}

/** The service runs in its own process (the load generator must not share its event loop). */
async function startService(): Promise<{ base: string; stop: () => Promise<void> }> {
  const external = process.env.BENCH_PUBLISH_URL ?? LOCAL_APPS['us-east'].service;
  if ((await fetch(`${external}/health`).catch(() => undefined))?.ok)
    return { base: external, stop: async () => {} };
  const { app, url } = await startProfileService({
    ...localRegionEnv('us-east'),
    PORT: 0,
    AUTO_REGISTER_SCHEMAS: false,
  });
  console.warn(
    '[publish bench] no running profile-service: measuring an in-process one (shares the event loop)',
  );
  return { base: url, stop: () => app.close() };
}

export default async function publishBench(): Promise<BenchReport> {
  const service = await startService();
  const base = service.base;
  const ids = Array.from({ length: 1000 }, (_, i) => `bench-${randomUUID().slice(0, 8)}-${i}`);
  let n = 0;
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({
          ...req,
          path: `/profiles/${ids[n++ % ids.length]}/credit`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ amountCents: 100 }),
        }),
      },
    ],
  });
  await service.stop();
  const ok = result['2xx'];
  const non2xx = result.non2xx + result.errors + result.timeouts;
  const raw = await rawProducer(`bench.raw.${randomUUID().slice(0, 8)}`);
  const rate = ok / result.duration;
  return {
    bench: `publish (profile-service HTTP → Kafka acks=all, ${CONNECTIONS} connections, ${DURATION_S} s)`,
    lines: [
      {
        name: 'HTTP writes acknowledged',
        value: rate,
        unit: 'events/s',
        baseline: {
          name: `raw kafkajs, ${CONNECTIONS} concurrent single-message sends`,
          value: raw.perMessage,
          unit: 'msg/s',
        },
        note: `${non2xx} non-2xx/errors`,
      },
      { name: 'HTTP latency p50', value: result.latency.p50, unit: 'ms' },
      { name: 'HTTP latency p99', value: result.latency.p99, unit: 'ms' },
      {
        name: 'raw kafkajs batched (500/send)',
        value: raw.batched,
        unit: 'msg/s',
        note: 'broker ceiling for one client',
      },
    ],
  };
}
