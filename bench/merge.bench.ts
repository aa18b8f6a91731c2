/**
 * @meridian/merge: how fast a projector folds events into a document, and what a digest costs.
 * Each figure is printed beside a baseline measured in the same run: for folding, an in-place
 * mutable fold with deduplication and HLC last-writer-wins (what the CRDT adds is the rest).
 */
import { createHash } from 'node:crypto';
import {
  applyOp,
  applyOps,
  compareHlc,
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
import { mulberry32 as rng, reorderAndRedeliver } from '@meridian/random';
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
export function workloadForProfile(): Operation[] {
  return workload();
}

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
  return reorderAndRedeliver([...ops], { window: 50, duplicateRate: DUPLICATE_RATE }, rand);
}

/**
 * The honest baseline: an in-place fold with what any event-sourced projector needs and no more —
 * deduplication by (origin, seq) and HLC last-writer-wins per field and map key, per-origin counter
 * totals (max), add/remove sets by last writer. Mutable, one state for the whole stream.
 */
function inPlaceFold(ops: readonly Operation[]): Map<string, unknown> {
  const seen = new Set<string>();
  const state = new Map<string, unknown>();
  const stamps = new Map<string, Operation['hlc']>();
  const newer = (slot: string, hlc: Operation['hlc']): boolean => {
    const cur = stamps.get(slot);
    if (cur !== undefined && compareHlc(hlc, cur) <= 0) return false;
    stamps.set(slot, hlc);
    return true;
  };
  for (const op of ops) {
    const id = `${op.origin}:${op.seq}`;
    if (seen.has(id)) continue;
    seen.add(id);
    switch (op.kind) {
      case 'lww.set':
      case 'mv.set':
        if (newer(op.field, op.hlc)) state.set(op.field, op.value);
        break;
      case 'counter.add': {
        const totals = (state.get(op.field) as Map<string, number> | undefined) ?? new Map<string, number>();
        totals.set(op.origin, Math.max(totals.get(op.origin) ?? 0, op.p - op.n));
        state.set(op.field, totals);
        break;
      }
      case 'set.add':
      case 'set.remove': {
        const key = `${op.field}/${String(op.value)}`;
        const set = (state.get(op.field) as Set<unknown> | undefined) ?? new Set<unknown>();
        if (newer(key, op.hlc)) {
          if (op.kind === 'set.add') set.add(op.value);
          else set.delete(op.value);
        }
        state.set(op.field, set);
        break;
      }
      case 'map.set': {
        const map = (state.get(op.field) as Map<string, unknown> | undefined) ?? new Map<string, unknown>();
        if (newer(`${op.field}/${op.key}`, op.hlc)) map.set(op.key, op.value);
        state.set(op.field, map);
        break;
      }
      default:
        break;
    }
  }
  return state;
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
  let drafted: Document = documentEmpty();
  const draftMs = medianMs(() => {
    drafted = applyOps(documentEmpty(), stream);
  });
  if (digest(drafted) !== digest(doc)) throw new Error('applyOps and applyOp disagree on the state');
  const baselineMs = medianMs(() => {
    inPlaceFold(stream);
  });
  const baseline = {
    name: 'in-place fold (dedup + HLC LWW, mutable)',
    value: stream.length / (baselineMs / 1000),
    unit: 'events/s',
  };

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
        name: 'applyOp into a document (one event at a time, pure)',
        value: stream.length / (applyMs / 1000),
        unit: 'events/s',
        baseline,
        note: `${(baselineMs / applyMs).toFixed(3)}× baseline; ${stream.length} events (${stream.length - OPS} duplicates), median of ${RUNS}`,
      },
      {
        name: 'applyOps into a document (a batch, as the projector folds)',
        value: stream.length / (draftMs / 1000),
        unit: 'events/s',
        baseline,
        note: `${(baselineMs / draftMs).toFixed(3)}× baseline; same events, same state as applyOp`,
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
