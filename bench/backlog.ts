/**
 * The backlog the projector, replay and engine benches fold: profile events (a rotating mix of field
 * changes, credit adjustments, logins and preferences) from two origins per aggregate, each origin
 * with a gap-free seq and running counter totals, and `observed` dots as a writer would set them.
 */
import { randomUUID } from 'node:crypto';
import type { MeridianEvent } from '@meridian/contract';
import { PROFILE } from '@meridian/domain';

export const AGGREGATES = 5_000;

/** A bench's size knob from the environment: a positive integer, or the default. */
export function positiveInt(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}
const REGION = 'us-east';
const NS = 'io.meridian.profile.v1';

/** Per aggregate: two writers (origins), each with its gap-free seq and running counter totals. */
export interface AggregateWriters {
  id: string;
  origins: { nodeId: string; seq: number; credit: number; logins: number }[];
  /**
   * Last dot per LWW field, map key, and counter of each origin: what the next write observed and
   * supersedes, as the writer's `prepare*` functions would (a counter add replaces its origin's entry).
   */
  lastDot: Map<string, string>;
}

/** The i-th event of the backlog: aggregate i % 5000, a rotating mix of the profile's event types. */
export function backlogEvent(
  i: number,
  run: string,
  aggs: AggregateWriters[],
  wallBase: number,
): MeridianEvent {
  const a = aggs[i % AGGREGATES] as AggregateWriters;
  const round = Math.floor(i / AGGREGATES);
  const o = a.origins[round % 2] as AggregateWriters['origins'][number];
  o.seq++;
  const wallMs = wallBase + Math.floor(i / 10);
  const envelope = {
    eventId: randomUUID(),
    aggregateType: PROFILE,
    aggregateId: a.id,
    originRegion: REGION,
    hlc: { wallMs, logical: i % 10, nodeId: o.nodeId },
    writerEpoch: 0,
    causationId: null,
    correlationId: `${run}-${i}`,
    occurredAt: wallMs,
    seq: o.seq,
    observed: [] as string[],
  };
  const dot = `${o.nodeId}:${o.seq}`;
  const supersede = (slot: string): string[] => {
    const prev = a.lastDot.get(slot);
    a.lastDot.set(slot, dot);
    return prev === undefined ? [] : [prev];
  };
  switch (round % 4) {
    case 0:
      return {
        type: `${NS}.ProfileFieldChanged`,
        field: 'displayName',
        value: `User ${a.id} v${round}`,
        envelope: { ...envelope, observed: supersede('displayName') },
      };
    case 1:
      o.credit += 25;
      return {
        type: `${NS}.CreditAdjusted`,
        amountCents: 25,
        totalsP: o.credit,
        totalsN: 0,
        envelope: { ...envelope, observed: supersede(`credit/${o.nodeId}`) },
      };
    case 2:
      o.logins++;
      return {
        type: `${NS}.LoginRecorded`,
        totalsP: o.logins,
        envelope: { ...envelope, observed: supersede(`logins/${o.nodeId}`) },
      };
    default:
      return {
        type: `${NS}.PreferenceSet`,
        key: `pref-${round % 7}`,
        value: `value-${round}`,
        envelope: { ...envelope, observed: supersede(`pref-${round % 7}`) },
      };
  }
}

/** One writer pair per aggregate of the backlog `run`. */
export function backlogWriters(run: string): AggregateWriters[] {
  return Array.from({ length: AGGREGATES }, (_, k) => ({
    id: `bench-${run}-${k}`,
    origins: [
      { nodeId: `us-east.bench-${run}.0`, seq: 0, credit: 0, logins: 0 },
      { nodeId: `us-west.bench-${run}.0`, seq: 0, credit: 0, logins: 0 },
    ],
    lastDot: new Map(),
  }));
}

/** Where the backlog's HLC wall times start: in the past, so the forward-skew bound never trips. */
export function backlogWallBase(events: number): number {
  return Date.now() - Math.ceil(events / 10) - 60_000;
}
