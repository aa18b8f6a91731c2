/**
 * What `durability: 'remote'` costs (issue 18 §2): a publisher in us-east, wired as the service
 * wires it (an OffsetSyncConfirmer reading the offset-syncs of us-west and eu across the WAN),
 * publishes at a fixed rate, alternating local and remote writes to the same aggregates; both
 * latencies (publish call → resolved) are printed beside the WAN round trip measured in the same
 * run (a Kafka request from us-east to eu's broker through the WAN link), once per mirror
 * placement. Remote writes that were not confirmed within the deadline are counted, never dropped.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { PROFILE, profileSteps } from '@meridian/domain';
import { EventPublisher, PublisherError } from '@meridian/publisher';
import { OffsetSyncConfirmer } from '@meridian/replication';
import {
  bootstrapServers,
  loadTopology,
  reachBootstrap,
  region,
  registryUrl,
  findRepoRoot,
  type Topology,
} from '@meridian/topology';
import { perPlacement } from './placement';
import { percentile } from './report';
import type { BenchReport } from './run';

const RATE = Number(process.env.BENCH_DURABILITY_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_DURABILITY_SECONDS ?? 20);
const TIMEOUT_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Round trips of one small Kafka request (ApiVersions v0, written by hand so that nothing else
 * rides along: kafkajs's admin calls refresh metadata first) from us-east to eu's broker through
 * the WAN link, on one connection.
 */
async function wanRoundTrips(t: Topology, n: number): Promise<number[]> {
  const [host, port] = reachBootstrap(t, 'us-east', 'eu').split(':') as [string, string];
  const socket = connect({ host, port: Number(port) });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buffered = Buffer.concat([buffered, d]);
    if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      buffered = buffered.subarray(4 + buffered.readInt32BE(0));
      waiting?.();
    }
  });
  const clientId = Buffer.from('bench-wan-rtt');
  const out: number[] = [];
  for (let i = 0; i <= n; i++) {
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    body.writeInt16BE(18, 0); // ApiVersions
    body.writeInt16BE(0, 2);
    body.writeInt32BE(i, 4);
    body.writeInt16BE(clientId.length, 8);
    clientId.copy(body, 10);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length, 0);
    const answered = new Promise<void>((r) => (waiting = r));
    const t0 = performance.now();
    socket.write(Buffer.concat([size, body]));
    await answered;
    if (i > 0) out.push(performance.now() - t0); // the first also pays for the proxy's connection
  }
  socket.destroy();
  return out;
}

interface Run {
  local: number[];
  remote: number[];
  unconfirmed: number;
  confirmedIn: Record<string, number>;
  rtt: number[];
}

async function run(t: Topology): Promise<Run> {
  const east = region(t, 'us-east');
  const targets = t.flows
    .filter((f) => f.from === 'us-east')
    .map((f) => ({ region: f.to, brokers: [reachBootstrap(t, 'us-east', f.to)] }));
  const remote = new OffsetSyncConfirmer({ region: 'us-east', targets });
  remote.start();
  const publisher = new EventPublisher({
    region: 'us-east',
    kafka: { brokers: [bootstrapServers(east)] },
    registry: { url: registryUrl(east)! },
    remote,
    remoteTimeoutMs: TIMEOUT_MS,
  });
  await publisher.connect();
  const ids = Array.from({ length: 50 }, (_, i) => `bench-durable-${Date.now()}-${i}`);
  const write = (i: number, durability: 'local' | 'remote') =>
    publisher.publish(PROFILE, ids[i % ids.length]!, [profileSteps.recordLogin()], { durability });
  // Warm-up: until a remote write is confirmed (the readers are positioned, MM2's tasks are moving).
  const warmDeadline = Date.now() + 120_000;
  for (let i = 0; ; i++) {
    const ok = await write(i, 'remote').then(
      () => true,
      (e: unknown) => {
        if (e instanceof PublisherError && e.code === 'REMOTE_UNCONFIRMED') return false;
        throw e;
      },
    );
    if (ok) break;
    if (Date.now() > warmDeadline) throw new Error('no remote write confirmed within 120 s of warm-up');
  }
  const out: Run = { local: [], remote: [], unconfirmed: 0, confirmedIn: {}, rtt: [] };
  const inflight: Promise<void>[] = [];
  const total = RATE * SECONDS;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const durability = i % 2 === 0 ? 'local' : 'remote';
    const started = performance.now();
    inflight.push(
      write(i, durability).then(
        (events) => {
          (durability === 'local' ? out.local : out.remote).push(performance.now() - started);
          const where = events[0]?.confirmedIn;
          if (where) out.confirmedIn[where] = (out.confirmedIn[where] ?? 0) + 1;
        },
        (e: unknown) => {
          if (durability === 'remote' && e instanceof PublisherError && e.code === 'REMOTE_UNCONFIRMED')
            out.unconfirmed++;
          else throw e;
        },
      ),
    );
  }
  await Promise.all(inflight);
  await publisher.close();
  out.rtt = await wanRoundTrips(t, 50);
  return out;
}

export default async function durabilityBench(): Promise<BenchReport> {
  const name = process.env.BENCH_TOPOLOGY ?? 'active-active';
  const floor = loadTopology(name, findRepoRoot()).wan;
  const runs = await perPlacement(name, (t) => run(t));
  const p = (xs: number[], q: number) => percentile(xs, q);
  return {
    bench: `durability per write (us-east, ${RATE} writes/s alternating local/remote for ${SECONDS} s, WAN ${floor?.delayMs ?? 0} ms one way ±${floor?.jitterMs ?? 0})`,
    lines: runs.flatMap(({ placement, result: r }) => [
      {
        name: `[${placement}] remote write p50 (resolved once another region holds it)`,
        value: p(r.remote, 50),
        unit: 'ms',
        baseline: { name: 'WAN round trip us-east ⇄ eu p50', value: p(r.rtt, 50), unit: 'ms' },
      },
      {
        name: `[${placement}] remote write p99`,
        value: p(r.remote, 99),
        unit: 'ms',
        baseline: { name: 'local write p99', value: p(r.local, 99), unit: 'ms' },
      },
      {
        name: `[${placement}] added by remote over local, p50`,
        value: p(r.remote, 50) - p(r.local, 50),
        unit: 'ms',
        baseline: { name: 'WAN round trip p50', value: p(r.rtt, 50), unit: 'ms' },
        note: `local p50 ${Math.round(p(r.local, 50))} ms; confirmed in ${Object.entries(r.confirmedIn)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      },
      {
        name: `[${placement}] remote writes not confirmed within ${TIMEOUT_MS} ms (stored locally, answered 504)`,
        value: r.unconfirmed,
        unit: 'writes',
        note: `of ${r.remote.length + r.unconfirmed}`,
      },
    ]),
    distributions: runs.flatMap(({ placement, result: r }) => [
      { name: `remote-write-${placement}`, unit: 'ms', samples: r.remote },
      { name: `local-write-${placement}`, unit: 'ms', samples: r.local },
    ]),
  };
}
