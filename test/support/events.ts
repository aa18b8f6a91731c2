import { randomUUID } from 'node:crypto';
import type { MeridianEvent } from '@meridian/contract';
import { PROFILE } from '@meridian/domain';

/**
 * A well-formed CreditAdjusted for profile `id`, as a writer in `region` would send it (its HLC at
 * `wallMs`, a fresh origin), for tests that publish raw events: to damage them, or to skew them.
 */
export function creditAdjusted(o: {
  id: string;
  region: string;
  amountCents: number;
  wallMs?: number;
  nodeId?: string;
}): MeridianEvent {
  const wallMs = o.wallMs ?? Date.now();
  return {
    type: 'io.meridian.profile.v1.CreditAdjusted',
    amountCents: o.amountCents,
    totalsP: Math.max(0, o.amountCents),
    totalsN: Math.max(0, -o.amountCents),
    envelope: {
      eventId: randomUUID(),
      aggregateType: PROFILE,
      aggregateId: o.id,
      originRegion: o.region,
      hlc: { wallMs, logical: 0, nodeId: o.nodeId ?? `${o.region}.test.${randomUUID()}` },
      writerEpoch: 0,
      causationId: null,
      correlationId: null,
      occurredAt: wallMs,
      seq: 1,
      observed: [],
    },
  };
}
