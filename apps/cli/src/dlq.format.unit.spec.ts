import { DLQ_HEADERS, type MeridianEvent } from '@meridian/contract';
import { indexDeadLetters } from '@meridian/projector';
import { inspectJson, inspectText, listJson, listRow } from './dlq.format';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const index = indexDeadLetters('meridian-dlq.eu', [
  {
    partition: 1,
    offset: '8',
    key: Buffer.from('ada'),
    value: Buffer.from([0x7b, 0x22]),
    timestamp: String(T0),
    headers: {
      [DLQ_HEADERS.reason]: 'magic byte 123 (expected 0):\nnot Confluent wire format',
      [DLQ_HEADERS.code]: 'BAD_MAGIC_BYTE',
      [DLQ_HEADERS.retriable]: 'false',
      [DLQ_HEADERS.topic]: 'us-west.meridian.profile',
      [DLQ_HEADERS.partition]: '2',
      [DLQ_HEADERS.offset]: '40',
    },
  },
]);
const letter = index.letters[0]!;
const event = {
  type: 'io.meridian.profile.v1.CreditAdjusted',
  envelope: {
    aggregateType: 'profile',
    aggregateId: 'ada',
    eventId: 'e1',
    seq: 3,
    hlc: { nodeId: 'us-west.w' },
  },
} as unknown as MeridianEvent;

describe('dlq list / inspect formatting', () => {
  it('a row: dead-letter partition/offset, code, source, event if it decodes, reason on one line, age', () => {
    expect(listRow(letter, undefined, { ok: true, event }, T0 + 5 * 60_000)).toEqual([
      '1/8',
      'BAD_MAGIC_BYTE',
      'us-west.meridian.profile[2]@40',
      'CreditAdjusted profile/ada',
      'magic byte 123 (expected 0): not Confluent wire format',
      '5m',
      '',
    ]);
    const marker = {
      at: { topic: 'meridian-dlq.eu', partition: 1, offset: '9' },
      from: 'x',
      to: 'y',
      atMs: T0 + 60_000,
    };
    const row = listRow(
      letter,
      marker,
      { ok: false, code: 'BAD_MAGIC_BYTE', message: 'm' },
      T0 + 3 * 60_000,
      10,
    );
    expect(row[3]).toBe('–');
    expect(row[4]).toBe('magic byt…');
    expect(row[6]).toBe('yes, 2m ago');
  });

  it('--json names the event identity (origin, seq) that dedup uses', () => {
    expect(listJson(letter, undefined, { ok: true, event }, T0)).toMatchObject({
      partition: 1,
      offset: '8',
      source: { topic: 'us-west.meridian.profile', partition: 2, offset: '40' },
      event: { type: 'io.meridian.profile.v1.CreditAdjusted', origin: 'us-west.w', seq: 3 },
      reapplied: null,
    });
  });

  it('inspect shows every header, and raw hex when the value does not decode', () => {
    const d = { ok: false as const, code: 'BAD_MAGIC_BYTE', message: 'magic byte 123' };
    const text = inspectText(letter, undefined, d, T0);
    for (const h of Object.values(DLQ_HEADERS)) expect(text).toContain(`${h}: `);
    expect(text).toContain('value 7b 22 (2 bytes)');
    expect(inspectJson(letter, undefined, d, T0)).toMatchObject({
      rawHex: '7b 22 (2 bytes)',
      decoded: null,
      decodeError: { code: 'BAD_MAGIC_BYTE' },
    });
    expect(inspectJson(letter, undefined, { ok: true, event }, T0)).toMatchObject({
      decoded: event,
      rawHex: null,
    });
  });
});
