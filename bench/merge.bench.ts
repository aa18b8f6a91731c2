/**
 * @meridian/merge: how fast a projector folds events into a document, and what a digest costs.
 * Each figure is printed beside a naive baseline measured in the same run.
 */
import { createHash } from 'node:crypto';
import {
  applyOp,
  digest,
  documentEmpty,
  HybridLogicalClock,
  prepareCounterAdd,
  prepareLwwSet,
  prepareMapSet,
  prepareSetAdd,
  prepareSetRemove,
  type Document,
  type Mutation,
  type Operation,
} from '@meridian/merge';
import { mulberry32 as rng } from '@meridian/random';
import type { BenchReport } from './run';

const REGIONS = ['eu-west-1', 'us-east-1', 'ap-south-1'];
const OPS = 10_000;
const DUPLICATE_RATE = 0.05;
const RUNS = 7;

/**
 * Realistic mix over one aggregate: 45% LWW sets on 50 fields, 25% counter increments,
 * 20% set adds/removes on a ~200-element set, 10% map sets. Regions see each other's events
 * with a lag, then the stream is locally reordered and ~5% of events are redelivered.
 */
function workload(): Operation[] {
  const rand = rng(42);
  let wallMs = 1_700_000_000_000;
  const writers = REGIONS.map((nodeId) => ({
    nodeId,
    seq: 0,
    doc: documentEmpty(),
    clock: new HybridLogicalClock({ nodeId, wallClockMs: () => wallMs }),
  }));
  const ops: Operation[] = [];
  for (let i = 0; i < OPS; i++) {
    wallMs += rand() < 0.5 ? 1 : 0;
    const w = writers[Math.floor(rand() * writers.length)] as (typeof writers)[number];
    // Replication lag: a writer has seen every event older than ~20 positions.
    for (const op of ops.slice(Math.max(0, ops.length - 40), Math.max(0, ops.length - 20))) {
      if (op.origin !== w.nodeId) w.doc = applyOp(w.doc, op);
    }
    const r = rand();
    const pick = (n: number): number => Math.floor(rand() * n);
    let m: Mutation;
    if (r < 0.45) m = prepareLwwSet(w.doc, `field${pick(50)}`, { text: `v${i}`, n: i });
    else if (r < 0.7) m = prepareCounterAdd(w.doc, `counter${pick(3)}`, w.nodeId, pick(10) - 3);
    else if (r < 0.85) m = prepareSetAdd(w.doc, 'tags', `tag-${pick(220)}`);
    else if (r < 0.9) m = prepareSetRemove(w.doc, 'tags', `tag-${pick(220)}`);
    else m = prepareMapSet(w.doc, 'attrs', `k${pick(20)}`, i);
    w.seq += 1;
    const op = { eventId: `${w.nodeId}/${w.seq}`, origin: w.nodeId, seq: w.seq, hlc: w.clock.now(), ...m };
    w.doc = applyOp(w.doc, op);
    ops.push(op);
  }
  // Local reordering (swap within a window of 50) plus ~5% redelivered duplicates.
  const stream = [...ops];
  for (let i = 0; i < stream.length; i++) {
    const j = Math.min(stream.length - 1, i + Math.floor(rand() * 50));
    [stream[i], stream[j]] = [stream[j] as Operation, stream[i] as Operation];
  }
  const out: Operation[] = [];
  for (const op of stream) {
    out.push(op);
    if (rand() < DUPLICATE_RATE) out.splice(Math.floor(rand() * out.length), 0, op);
  }
  return out;
}

/** Naive baseline: last arrival wins, no dedup, not convergent. Same ops, immutable like ours. */
function naiveFold(ops: readonly Operation[]): Record<string, unknown> {
  let s: Record<string, unknown> = {};
  for (const op of ops) {
    switch (op.kind) {
      case 'lww.set':
      case 'mv.set':
        s = Object.assign({}, s, { [op.field]: op.value });
        break;
      case 'counter.add':
        s = Object.assign({}, s, { [op.field]: op.p - op.n });
        break;
      case 'set.add':
      case 'set.remove':
        s = Object.assign({}, s, {
          [op.field]: Object.assign({}, s[op.field], { [String(op.value)]: op.kind === 'set.add' }),
        });
        break;
      case 'map.set':
        s = Object.assign({}, s, { [op.field]: Object.assign({}, s[op.field], { [op.key]: op.value }) });
        break;
      default:
        break;
    }
  }
  return s;
}

/** Median wall time in ms of `fn` over RUNS runs, after one warm-up. */
function medianMs(fn: () => void): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
}

export default async function (): Promise<BenchReport> {
  const stream = workload();
  let doc: Document = documentEmpty();
  const applyMs = medianMs(() => {
    doc = stream.reduce((d, op) => applyOp(d, op), documentEmpty());
  });
  const naiveMs = medianMs(() => {
    naiveFold(stream);
  });

  const tags = Object.keys(doc.fields['tags']?.set ?? {}).length;
  const DIGESTS = 200;
  const digestMs = medianMs(() => {
    for (let i = 0; i < DIGESTS; i++) digest(doc);
  });
  const jsonMs = medianMs(() => {
    for (let i = 0; i < DIGESTS; i++) createHash('sha256').update(JSON.stringify(doc)).digest('hex');
  });
  const bytes = Buffer.byteLength(JSON.stringify(doc));

  return {
    bench: 'merge',
    lines: [
      {
        name: 'applyOp into a document',
        value: stream.length / (applyMs / 1000),
        unit: 'events/s',
        baseline: {
          name: 'Object.assign fold, no dedup',
          value: stream.length / (naiveMs / 1000),
          unit: 'events/s',
        },
        note: `${stream.length} events (${stream.length - OPS} duplicates), median of ${RUNS}`,
      },
      {
        name: 'digest(document)',
        value: (digestMs * 1000) / DIGESTS,
        unit: 'µs/digest',
        baseline: { name: 'JSON.stringify + sha256', value: (jsonMs * 1000) / DIGESTS, unit: 'µs/digest' },
        note: `${Object.keys(doc.fields).length} fields, ${tags}-element set, 3-region counters, ${bytes} B JSON`,
      },
    ],
  };
}
