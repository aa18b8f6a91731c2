/**
 * What tracing costs, on vs off in the same run, where it is paid:
 * - publish: profile-service with a producer that acknowledges at once (the service's own ceiling,
 *   where any per-request cost shows most), 64 connections, in a child process each: tracing off;
 *   on at the topology's default ratio (1 %); on at 100 % — spans exported to the topology's Zipkin.
 * - apply: the projector's batch loop and engine over a backlog whose every record carries a
 *   `traceparent`: no observer (tracing off); the observer with unsampled parents (what 99 % of
 *   records cost at 1 %); the observer with every record sampled (two spans per record, exported by
 *   the SDK's batch processor to an exporter that drops them, so Zipkin's own cost is left out).
 * Needs the local topology (its Zipkin for the publish part).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ConfluentSchemaRegistry, EventSerde } from '@meridian/contract';
import { LOCAL_REGIONS, LOCAL_REGISTRIES } from '@meridian/testing';
import { findRepoRoot, loadTopology } from '@meridian/topology';
import { applySpans, startTracing, TRACEPARENT } from '@meridian/tracing';
import { positiveInt } from './backlog';
import { applyPhase, produceBacklog, rate } from './projector.bench';
import { DURATION_S, failed, load, startInstantAckService, WARMUP_S } from './publish.bench';
import type { BenchLine, BenchReport } from './run';

const EVENTS = positiveInt('BENCH_TRACING_EVENTS', 100_000);

/** Counts what the SDK hands over and drops it: the apply part measures Meridian's and the SDK's cost. */
class DroppingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (r: { code: ExportResultCode }) => void): void {
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

async function publishPart(lines: BenchLine[]): Promise<void> {
  const t = loadTopology('active-active', findRepoRoot());
  if (!t.tracing) throw new Error('the topology has no tracing section (Zipkin)');
  const zipkin = `http://127.0.0.1:${t.tracing.zipkin.port}/api/v2/spans`;
  // Each run: warm-up unmeasured, then the measured load with the service's CPU time read around
  // it — CPU per request is what tracing adds, and unlike the rate it hardly moves with the
  // topology's own background load on these 2 cores.
  const run = async (env: Record<string, string>) => {
    const svc = await startInstantAckService(env);
    try {
      await load(svc.base, WARMUP_S);
      const cpu0 = await svc.cpuMicros();
      const r = await load(svc.base, DURATION_S);
      const cpu1 = await svc.cpuMicros();
      return { ...r, cpuMicros: cpu1 - cpu0 };
    } finally {
      svc.stop();
    }
  };
  const envs = {
    off: {},
    low: { TRACING_ZIPKIN_URL: zipkin, TRACING_SAMPLE_RATIO: String(t.tracing.sampleRatio) },
    all: { TRACING_ZIPKIN_URL: zipkin, TRACING_SAMPLE_RATIO: '1' },
  };
  // Off and 1 % in mirrored order (off, low, low, off), so drift on a busy machine weighs on both
  // alike; 100 % last, as Zipkin digesting its spans loads the machine for a while after. Each
  // figure sums its two runs.
  type Result = Awaited<ReturnType<typeof run>>;
  const got: Record<keyof typeof envs, Result[]> = { off: [], low: [], all: [] };
  for (const k of ['off', 'low', 'low', 'off', 'all', 'all'] as const) got[k].push(await run(envs[k]));
  const merged = (rs: Result[]) => ({
    '2xx': rs.reduce((n, r) => n + r['2xx'], 0),
    duration: rs.reduce((n, r) => n + r.duration, 0),
    latency: { p99: Math.max(...rs.map((r) => r.latency.p99)) },
    failed: rs.reduce((n, r) => n + failed(r), 0),
    cpuMicros: rs.reduce((n, r) => n + r.cpuMicros, 0),
  });
  const off = merged(got.off);
  const low = merged(got.low);
  const all = merged(got.all);
  const rps = (r: typeof off) => r['2xx'] / r.duration;
  const cpuPerReq = (r: typeof off) => r.cpuMicros / Math.max(1, r['2xx']);
  const offLine = { name: 'tracing off', value: rps(off), unit: 'req/s' };
  for (const [name, r] of [
    [`tracing on, ${t.tracing.sampleRatio * 100} % sampled`, low],
    ['tracing on, 100 % sampled', all],
  ] as const) {
    lines.push({
      name: `publish CPU per request (instant-ack service), ${name}`,
      value: cpuPerReq(r),
      unit: 'µs',
      baseline: { name: 'tracing off', value: cpuPerReq(off), unit: 'µs' },
      note: `+${(cpuPerReq(r) - cpuPerReq(off)).toFixed(0)} µs (${((cpuPerReq(r) / cpuPerReq(off) - 1) * 100).toFixed(1)} %) per request, service process user + system time over the measured runs`,
    });
    lines.push({
      name: `publish (instant-ack service), ${name}`,
      value: rps(r),
      unit: 'req/s',
      baseline: offLine,
      note: `${(rps(r) / rps(off)).toFixed(3)}× off (two runs each); worse p99 ${r.latency.p99} ms (off ${off.latency.p99} ms); ${r.failed} failed (off ${off.failed})`,
    });
  }
}

async function applyPart(lines: BenchLine[]): Promise<void> {
  const kafka = new Kafka({
    clientId: 'bench-tracing',
    brokers: [LOCAL_REGIONS['us-east']],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-tracing-'));
  const exporter = new DroppingExporter();
  const tracing = startTracing({
    serviceName: 'bench-projector',
    region: 'us-east',
    sampleRatio: 1,
    exporter,
  });
  const sampled = `bench.tracing.s.${randomUUID().slice(0, 8)}`;
  const unsampled = `bench.tracing.u.${randomUUID().slice(0, 8)}`;
  try {
    await admin.createTopics({
      topics: [sampled, unsampled].map((topic) => ({ topic, numPartitions: 3 })),
      waitForLeaders: true,
    });
    const serde = new EventSerde({
      registry: new ConfluentSchemaRegistry({ url: LOCAL_REGISTRIES['us-east'] }),
    });
    const parent = (flags: string) => () => ({
      [TRACEPARENT]: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-${flags}`,
    });
    const s = await produceBacklog(kafka, sampled, serde, EVENTS, parent('01'));
    const u = await produceBacklog(kafka, unsampled, serde, EVENTS, parent('00'));
    const observe = applySpans(tracing.tracer, 'us-east');
    const store = (n: string) => ({ kind: 'sqlite' as const, file: join(dir, `${n}.sqlite`) });
    type Applied = Awaited<ReturnType<typeof applyPhase>>;
    const phase = (k: 'off' | 'unsampled' | 'sampled', i: number): Promise<Applied> =>
      k === 'unsampled'
        ? applyPhase(kafka, unsampled, store(`${k}${i}`), u.aggs, { events: EVENTS, observe })
        : applyPhase(kafka, sampled, store(`${k}${i}`), s.aggs, {
            events: EVENTS,
            ...(k === 'sampled' ? { observe } : {}),
          });
    // One unmeasured pass first (a fresh process runs its first batches unoptimised), then two
    // rounds in mirrored order; each figure sums its two passes.
    await phase('off', 0);
    const got: Record<'off' | 'unsampled' | 'sampled', Applied[]> = { off: [], unsampled: [], sampled: [] };
    let i = 1;
    for (const k of ['off', 'unsampled', 'sampled', 'sampled', 'unsampled', 'off'] as const)
      got[k].push(await phase(k, i++));
    await tracing.flush();
    const sum = (ps: Applied[]) => ({
      events: ps.reduce((n, p) => n + p.events, 0),
      ms: ps.reduce((n, p) => n + p.ms, 0),
      capped: ps.some((p) => p.capped),
      digest: ps[0]!.digest,
      digests: new Set(ps.map((p) => p.digest)).size,
    });
    const off = sum(got.off);
    const onU = sum(got.unsampled);
    const onS = sum(got.sampled);
    const offLine = { name: 'no observer (tracing off)', value: rate(off), unit: 'events/s' };
    const note = (p: typeof off) =>
      `${(rate(p) / rate(off)).toFixed(3)}× off; ${p.events} events in ${(p.ms / 1000).toFixed(1)} s over two passes${p.capped ? ', CAPPED' : ''}`;
    lines.push({
      name: 'SQLite apply, tracing on, parents not sampled',
      value: rate(onU),
      unit: 'events/s',
      baseline: offLine,
      note: note(onU),
    });
    lines.push({
      name: 'SQLite apply, tracing on, every record sampled',
      value: rate(onS),
      unit: 'events/s',
      baseline: offLine,
      note: `${note(onS)}; state digest ${onS.digest === off.digest && onS.digests === 1 && off.digests === 1 ? 'identical to' : 'DIFFERENT from'} off's; ${exporter.spans.toLocaleString('en-US')} spans exported over both passes (2 per record; the SDK drops what exceeds its queue of 8,192)`,
    });
  } finally {
    await tracing.shutdown();
    await admin.deleteTopics({ topics: [sampled, unsampled] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function tracingBench(): Promise<BenchReport> {
  const lines: BenchLine[] = [];
  await publishPart(lines);
  await applyPart(lines);
  return { bench: 'tracing overhead (on vs off, same run)', lines };
}
