import { compareValues, type Value } from './canonical';
import type { DotFun } from './dot-store';
import type { LwwEntry, OrMap } from './document';
import { compareHlc, type Hlc } from './hlc';

/**
 * Conflicts of the causal LWW registers, read from the state itself. A register keeps every write
 * no other write has seen (dot → write); the read picks the highest (HLC, value). More than one
 * live write is a conflict the rule decided — nobody overwrote the losers knowingly. Because it is a
 * function of the merged state, every region that holds the same events reports the same conflicts,
 * whatever the order they arrived in, and a write that has seen them all resolves them.
 */

/** One write of a register. */
export interface LwwWrite {
  /** `origin:seq`: the event's identity in the merge (its writer session and sequence). */
  readonly dot: string;
  readonly origin: string;
  readonly seq: number;
  readonly hlc: Hlc;
  readonly value: Value;
}

export type LwwConflictReason =
  | 'later wall clock'
  | 'same wall clock, higher logical counter'
  | 'same time, node id breaks the tie'
  | 'same stamp, higher value';

export interface LwwConflict {
  readonly field: string;
  /** Set for an entry of an LWW map (`field` is the map). */
  readonly key?: string;
  readonly winner: LwwWrite;
  /** Highest first. */
  readonly losers: readonly LwwWrite[];
  /** Why the winner beat the first loser. */
  readonly reason: LwwConflictReason;
}

function writesOf(entries: DotFun<LwwEntry>): LwwWrite[] {
  return Object.keys(entries)
    .map((dot) => {
      const e = entries[dot] as LwwEntry;
      const i = dot.lastIndexOf(':');
      return { dot, origin: dot.slice(0, i), seq: Number(dot.slice(i + 1)), hlc: e.hlc, value: e.value };
    })
    .sort((a, b) => compareHlc(b.hlc, a.hlc) || compareValues(b.value, a.value));
}

function reasonOf(w: LwwWrite, l: LwwWrite): LwwConflictReason {
  if (w.hlc.wallMs !== l.hlc.wallMs) return 'later wall clock';
  if (w.hlc.logical !== l.hlc.logical) return 'same wall clock, higher logical counter';
  if (w.hlc.nodeId !== l.hlc.nodeId) return 'same time, node id breaks the tie';
  return 'same stamp, higher value';
}

function conflictOf(field: string, key: string | undefined, entries: DotFun<LwwEntry>): LwwConflict {
  const [winner, ...losers] = writesOf(entries) as [LwwWrite, ...LwwWrite[]];
  return {
    field,
    ...(key !== undefined ? { key } : {}),
    winner,
    losers,
    reason: reasonOf(winner, losers[0] as LwwWrite),
  };
}

const several = (entries: DotFun<LwwEntry> | undefined): entries is DotFun<LwwEntry> => {
  if (entries === undefined) return false;
  let n = 0;
  for (const _ in entries) if (++n > 1) return true;
  return false;
};

/** Every register of the document that holds concurrent writes, sorted by field then key. */
export function lwwConflicts(doc: OrMap): LwwConflict[] {
  const out: LwwConflict[] = [];
  for (const field of Object.keys(doc.fields).sort()) {
    const slot = doc.fields[field]!;
    if (several(slot.lww)) out.push(conflictOf(field, undefined, slot.lww));
    if (slot.map)
      for (const key of Object.keys(slot.map).sort())
        if (several(slot.map[key])) out.push(conflictOf(field, key, slot.map[key] as DotFun<LwwEntry>));
  }
  return out;
}

/** How many registers of the document hold concurrent writes (`lwwConflicts(doc).length`, cheaper). */
export function countLwwConflicts(doc: OrMap): number {
  let n = 0;
  for (const field in doc.fields) {
    const slot = doc.fields[field]!;
    if (several(slot.lww)) n++;
    if (slot.map) for (const key in slot.map) if (several(slot.map[key])) n++;
  }
  return n;
}
