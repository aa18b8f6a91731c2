// Shared test data (not a test file: the unit project runs only *.unit.spec.ts).
import type { Envelope, EventName, EventTypes, MeridianEvent } from './generated';
import type { ReaderSchema } from './serde';

let seq = 0;

export function envelope(overrides: Partial<Envelope> = {}): Envelope {
  seq += 1;
  return {
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    aggregateType: 'profile',
    aggregateId: 'user-42',
    originRegion: 'us-east',
    hlc: { wallMs: 1_700_000_000_000 + seq, logical: seq % 3, nodeId: 'us-east-1' },
    writerEpoch: 3,
    causationId: null,
    correlationId: 'flow-7',
    occurredAt: 1_700_000_000_000,
    seq,
    observed: ['eu-1:4', 'us-east-1:9'],
    ...overrides,
  };
}

const P = 'io.meridian.profile.v1';

/** One event of every type, with payload values that exercise signs and unicode. */
export function sampleEvents(): { [N in EventName]: EventTypes[N] } {
  return {
    [`${P}.ProfileFieldChanged`]: {
      type: `${P}.ProfileFieldChanged`,
      envelope: envelope(),
      field: 'email',
      value: 'zoë@example.com',
    },
    [`${P}.PreferenceSet`]: { type: `${P}.PreferenceSet`, envelope: envelope(), key: 'theme', value: 'dark' },
    [`${P}.PreferenceRemoved`]: { type: `${P}.PreferenceRemoved`, envelope: envelope(), key: 'theme' },
    [`${P}.TagAdded`]: { type: `${P}.TagAdded`, envelope: envelope({ causationId: 'cmd-1' }), tag: 'vip' },
    [`${P}.TagRemoved`]: { type: `${P}.TagRemoved`, envelope: envelope(), tag: 'vip' },
    [`${P}.FavouriteAdded`]: { type: `${P}.FavouriteAdded`, envelope: envelope(), itemId: 'sku-1' },
    [`${P}.FavouriteRemoved`]: {
      type: `${P}.FavouriteRemoved`,
      envelope: envelope({ observed: [] }),
      itemId: 'sku-1',
    },
    [`${P}.CreditAdjusted`]: {
      type: `${P}.CreditAdjusted`,
      envelope: envelope(),
      amountCents: -2_500,
      totalsP: 10_000,
      totalsN: 2_500,
    },
    [`${P}.LoginRecorded`]: { type: `${P}.LoginRecorded`, envelope: envelope(), totalsP: 2 ** 40 },
    [`${P}.SessionStarted`]: {
      type: `${P}.SessionStarted`,
      envelope: envelope(),
      sessionId: 's-1',
      device: 'ios/17 app 4.2',
    },
    [`${P}.SessionEnded`]: {
      type: `${P}.SessionEnded`,
      envelope: envelope(),
      sessionId: 's-1',
      reason: 'logout',
    },
  } as { [N in EventName]: EventTypes[N] };
}

export function allSamples(): MeridianEvent[] {
  return Object.values(sampleEvents()) as MeridianEvent[];
}

/** A variant of an event schema: `edit` changes the payload fields (the envelope stays). */
export function variant(
  base: ReaderSchema,
  edit: (fields: Record<string, unknown>[]) => Record<string, unknown>[],
): ReaderSchema {
  const schema = JSON.parse(base.text) as { fields: Record<string, unknown>[] };
  return { fullName: base.fullName, text: JSON.stringify({ ...schema, fields: edit(schema.fields) }) };
}
