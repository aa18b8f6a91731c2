/**
 * Phase B figure: under a steady load in all three regions (default 1,000 events/s each, 60 s), the
 * monitor's RPO-in-time per flow, sampled every 50 ms: p50 / p99 / max — beside the replication
 * latency of MirrorMaker 2's own heartbeats in the same run, once per mirror placement (`target`,
 * `source`: BENCH_MIRROR_PLACEMENTS). Needs the active-active topology up.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ReplicationMonitor } from '@meridian/replication';
import { bootstrapServers, type Topology } from '@meridian/topology';
import { perPlacement } from './placement';
import type { BenchReport } from './run';

const RATE = Number(process.env.BENCH_RPO_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_RPO_SECONDS ?? 60);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export default async function rpoBench(): Promise<BenchReport> {
  const runs = await perPlacement('active-active', (t) => measure(t));
  return {
    bench: `RPO under steady load (${RATE} events/s per region, ${SECONDS} s, acks=all), per mirror placement`,
    lines: runs.flatMap(({ placement, result }) =>
      result.lines.map((l) => ({
        ...l,
        name: `[${placement}] ${l.name}`,
        note: `${l.note ?? ''}; ${result.sent} events`,
      })),
    ),
  };
}

/** One run on the topology as it runs now. */
async function measure(t: Topology): Promise<{ lines: BenchReport['lines']; sent: number }> {
  const topic = `meridian.bench-rpo-${randomUUID().slice(0, 8)}`;
  const clients = t.regions.map(
    (r) => new Kafka({ clientId: 'bench-rpo', brokers: [bootstrapServers(r)], logLevel: logLevel.NOTHING }),
  );
  for (const k of clients) {
    const a = k.admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await a.disconnect();
  }
  // Flow figures only: no tail index in the bench's own monitor (it would share the CPU).
  const monitor = new ReplicationMonitor({
    topology: t,
    rpoTargetMs: t.rpoTargetMs,
    sampleIntervalMs: 50,
    followTails: false,
  });
  await monitor.start();
  // Let MirrorMaker pick the topic up (refresh every 5 s) before measuring.
  const warmUntil = Date.now() + 60_000;
  while (Date.now() < warmUntil) {
    const seen = monitor.flows().filter((f) => f.partitions.some((p) => p.topic === topic)).length;
    if (seen === t.flows.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 6000));

  const producers = await Promise.all(
    clients.map(async (k) => {
      const p = k.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    }),
  );
  const samples = new Map<string, number[]>();
  const latency = new Map<string, number[]>();
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      for (const f of monitor.flows()) {
        const id = `${f.source}→${f.target}`;
        const mine = f.partitions.filter((p) => p.topic === topic);
        (samples.get(id) ?? samples.set(id, []).get(id)!).push(Math.max(0, ...mine.map((p) => p.rpoMs)));
        if (f.replicationLatencyMs !== undefined)
          (latency.get(id) ?? latency.set(id, []).get(id)!).push(f.replicationLatencyMs);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // Each region sends RATE/20 records every 50 ms (acks=all), for SECONDS.
  const value = Buffer.alloc(150, 1);
  let sent = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    producers.map(async (p) => {
      let next = Date.now();
      while (Date.now() < end) {
        await p.send({
          topic,
          acks: -1,
          messages: Array.from({ length: Math.max(1, Math.round(RATE / 20)) }, () => ({
            key: randomUUID(),
            value,
          })),
        });
        sent += Math.max(1, Math.round(RATE / 20));
        next += 50;
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
    }),
  );
  stop = true;
  await sampler;
  await Promise.all(producers.map((p) => p.disconnect()));
  await monitor.stop();
  for (const k of clients) {
    const a = k.admin();
    await a.connect();
    await a.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await a.disconnect();
  }
  const lines: BenchReport['lines'] = [];
  for (const [id, xs] of [...samples].sort()) {
    const lat = latency.get(id) ?? [];
    lines.push({
      name: `${id} RPO p99`,
      value: pct(xs, 99),
      unit: 'ms',
      baseline: { name: 'heartbeat replication latency p99', value: pct(lat, 99), unit: 'ms' },
      note: `p50 ${pct(xs, 50)} ms, max ${Math.max(0, ...xs)} ms, ${xs.length} samples; target ${t.rpoTargetMs} ms`,
    });
  }
  return { lines, sent };
}
