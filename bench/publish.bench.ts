/**
 * Sustained publish rate through profile-service's HTTP API (loopback load from autocannon), with
 * p50/p99 latency of acknowledged writes, beside the raw kafkajs producer on the same broker in the
 * same run: the same number of concurrent senders each awaiting acks=all for one message at a time
 * (what an HTTP request costs at best), a batched producer (the broker's ceiling here), and the same
 * service with a producer that acknowledges at once (the service's own ceiling on this machine).
 * Needs the local topology (`npm start`).
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { LOCAL_APPS, LOCAL_REGIONS, localRegionEnv } from '@meridian/testing';
import { startProfileService } from '../apps/profile-service/src/app';
import { positiveInt } from './backlog';
import type { BenchReport } from './run';

const BROKER = LOCAL_REGIONS['us-east'];
export const DURATION_S = positiveInt('BENCH_PUBLISH_SECONDS', 10);
const CONNECTIONS = positiveInt('BENCH_PUBLISH_CONNECTIONS', 64);
export const WARMUP_S = positiveInt('BENCH_PUBLISH_WARMUP_SECONDS', 3);

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

/** The service with a producer that acknowledges at once, in its own process: the service's ceiling. */
export async function startInstantAckService(
  env: Record<string, string> = {},
): Promise<{ base: string; stop: () => void; cpuMicros: () => Promise<number> }> {
  const child = spawn(process.execPath, [join(__dirname, 'instant-ack-service.js')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.startsWith('http'));
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) =>
      reject(new Error(`the instant-ack service exited (${code}) before listening`)),
    );
  });
  // Its CPU time so far (it answers a line on its stdin with a `cpu <µs>` line).
  const cpuMicros = () =>
    new Promise<number>((resolve) => {
      let out = '';
      const on = (b: Buffer) => {
        out += b.toString();
        const m = /cpu (\d+)\n/.exec(out);
        if (!m) return;
        child.stdout.off('data', on);
        resolve(Number(m[1]));
      };
      child.stdout.on('data', on);
      child.stdin.write('cpu\n');
    });
  return { base, stop: () => child.kill('SIGTERM'), cpuMicros };
}

/**
 * CONNECTIONS connections posting credit adjustments over 1,000 aggregates, each new at its first
 * write: WARMUP_S unmeasured (a fresh process runs its first seconds unoptimised), then DURATION_S.
 */
export async function drive(base: string): Promise<autocannon.Result> {
  await load(base, WARMUP_S);
  return load(base, DURATION_S);
}

export function load(base: string, durationS: number): Promise<autocannon.Result> {
  const ids = Array.from({ length: 1000 }, (_, i) => `bench-${randomUUID().slice(0, 8)}-${i}`);
  let n = 0;
  return autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: durationS,
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
}

export const failed = (r: autocannon.Result): number => r.non2xx + r.errors + r.timeouts;

export default async function publishBench(): Promise<BenchReport> {
  // First the ceiling (it publishes nothing, so the topology is as quiet as before), then the real one.
  const ceiling = await startInstantAckService();
  const instant = await drive(ceiling.base).finally(() => ceiling.stop());
  const service = await startService();
  const result = await drive(service.base).finally(() => service.stop());
  const ok = result['2xx'];
  const raw = await rawProducer(`bench.raw.${randomUUID().slice(0, 8)}`);
  const rate = ok / result.duration;
  const instantRate = instant['2xx'] / instant.duration;
  return {
    bench: `publish (profile-service HTTP → Kafka acks=all, ${CONNECTIONS} connections, ${DURATION_S} s)`,
    lines: [
      {
        name: 'HTTP writes acknowledged',
        value: rate,
        unit: 'events/s',
        baseline: {
          name: 'the same service, producer acknowledging at once (its own ceiling)',
          value: instantRate,
          unit: 'req/s',
        },
        note: `${failed(result)} non-2xx/errors; target ≥ 3,000`,
      },
      { name: 'HTTP latency p50', value: result.latency.p50, unit: 'ms' },
      {
        name: 'HTTP latency p99',
        value: result.latency.p99,
        unit: 'ms',
        baseline: { name: 'instant-ack service p99', value: instant.latency.p99, unit: 'ms' },
        note: 'target ≤ 50 ms',
      },
      {
        name: `raw kafkajs, ${CONNECTIONS} concurrent single-message sends`,
        value: raw.perMessage,
        unit: 'msg/s',
        note: 'one request per message',
      },
      {
        name: 'raw kafkajs batched (500/send)',
        value: raw.batched,
        unit: 'msg/s',
        note: 'broker ceiling for one client',
      },
    ],
  };
}
