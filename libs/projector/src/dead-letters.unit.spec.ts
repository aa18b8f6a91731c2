// Long on purpose: every dead-letter reason the engine gives, on one harness.
import { randomUUID } from 'node:crypto';
import {
  DLQ_HEADERS,
  EventSerde,
  InMemorySchemaRegistry,
  type MeridianEvent,
  registerAll,
} from '@meridian/contract';
import { profileModel } from '@meridian/domain';
import { type Document, readField } from '@meridian/merge';
import { createProjectionStore, type ProjectionStore } from '@meridian/store';
import {
  addressOf,
  countByCode,
  type DeadLetterRecord,
  filterDeadLetters,
  findDeadLetter,
  hexPrefix,
  indexDeadLetters,
  parseOffsetRef,
  parseSince,
  REAPPLY_HEADERS,
  reappliedMarkerRecord,
  reapplyRecord,
  selectDeadLetters,
} from './dead-letters';
import { offsetsOf } from './dead-letters.kafka';
import { type Poison, ProjectionEngine, type RawRecord } from './engine';

const DLQ = 'meridian-dlq.us-east';
const T0 = Date.parse('2026-12-01T10:00:00Z');

/** A dead-letter record of `code` at `partition/offset`, copying source `meridian.profile[0]@srcOffset`. */
function deadLetter(
  partition: number,
  offset: number,
  over: { code?: string; srcOffset?: number; atMs?: number; headers?: Record<string, string> } = {},
): DeadLetterRecord {
  return {
    partition,
    offset: String(offset),
    key: Buffer.from('ada'),
    value: Buffer.from([0, 0, 0, 0, 7, 1, 2]),
    timestamp: String(over.atMs ?? T0),
    headers: {
      'meridian-schema-subject': 'io.meridian.profile.v1.CreditAdjusted',
      ...over.headers,
      [DLQ_HEADERS.reason]: 'why',
      [DLQ_HEADERS.code]: over.code ?? 'UNKNOWN_SCHEMA',
      [DLQ_HEADERS.retriable]: 'true',
      [DLQ_HEADERS.topic]: 'meridian.profile',
      [DLQ_HEADERS.partition]: '0',
      [DLQ_HEADERS.offset]: String(over.srcOffset ?? offset),
    },
  };
}

/** What a marker looks like once consumed back from the topic. */
function consumed(r: ReturnType<typeof reappliedMarkerRecord>, offset: number): DeadLetterRecord {
  return {
    partition: r.partition,
    offset: String(offset),
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: r.timestamp,
  };
}

/** Given these records in the dead-letter topic. */
const given = (...records: DeadLetterRecord[]) => indexDeadLetters(DLQ, records);

describe('indexDeadLetters (reading the dead-letter topic)', () => {
  it('reads codes, reasons and the source, and keeps the original headers apart from the dead-letter ones', () => {
    const [l] = given(deadLetter(2, 5, { code: 'CLOCK_SKEW', srcOffset: 41 })).letters;
    expect(l).toMatchObject({
      at: { topic: DLQ, partition: 2, offset: '5' },
      code: 'CLOCK_SKEW',
      reason: 'why',
      retriable: true,
      source: { topic: 'meridian.profile', partition: 0, offset: '41' },
      deadLetteredAtMs: T0,
      reappliedFrom: undefined,
    });
    expect(l!.originalHeaders).toEqual({
      'meridian-schema-subject': 'io.meridian.profile.v1.CreditAdjusted',
    });
    expect(l!.headers[DLQ_HEADERS.code]).toBe('CLOCK_SKEW');
  });

  it('counts markers as bookkeeping, not dead letters, and knows what they mark', () => {
    const first = given(deadLetter(0, 0), deadLetter(0, 1));
    const marker = reappliedMarkerRecord(
      first.letters[0]!,
      { topic: 'meridian.profile', partition: 0, offset: '99' },
      T0 + 5,
    );
    const index = given(deadLetter(0, 0), deadLetter(0, 1), consumed(marker, 2));
    expect(index.letters.map((l) => l.at.offset)).toEqual(['0', '1']);
    expect(index.reapplied.get(`${DLQ}/0/0`)).toMatchObject({ to: 'meridian.profile/0/99', atMs: T0 + 5 });
    expect(index.reapplied.has(`${DLQ}/0/1`)).toBe(false);
  });

  it('keeps a record without dead-letter headers visible, with no source (it cannot be re-applied)', () => {
    const [l] = given({
      partition: 0,
      offset: '3',
      key: null,
      value: null,
      headers: {},
      timestamp: '0',
    }).letters;
    expect(l).toMatchObject({ code: 'UNLABELLED', source: undefined });
  });
});

describe('selectDeadLetters (what `reapply` means)', () => {
  const index = given(
    deadLetter(0, 0, { code: 'UNKNOWN_SCHEMA', atMs: T0 }),
    deadLetter(0, 1, { code: 'CLOCK_SKEW', atMs: T0 + 60_000 }),
    deadLetter(1, 1, { code: 'CLOCK_SKEW', atMs: T0 + 120_000 }),
  );

  it('--offset: one dead letter; a bare offset found in two partitions is refused naming both', () => {
    expect(
      selectDeadLetters(index, { offset: parseOffsetRef('1/1') }).selected.map((l) => addressOf(l.at)),
    ).toEqual([`${DLQ}/1/1`]);
    expect(() => selectDeadLetters(index, { offset: parseOffsetRef('1') })).toThrow(/partitions 0, 1.*0\/1/);
    expect(() => findDeadLetter(index, parseOffsetRef('7'))).toThrow(/no dead letter at 7/);
    expect(findDeadLetter(index, parseOffsetRef('1', '0')).code).toBe('CLOCK_SKEW');
  });

  it('--code, --all, --since', () => {
    expect(selectDeadLetters(index, { code: 'CLOCK_SKEW' }).selected).toHaveLength(2);
    expect(selectDeadLetters(index, { all: true }).selected).toHaveLength(3);
    expect(selectDeadLetters(index, { all: true, sinceMs: T0 + 60_000 }).selected).toHaveLength(2);
    expect(selectDeadLetters(index, { all: true, code: 'UNKNOWN_SCHEMA' }).selected).toHaveLength(1);
  });

  it('needs exactly one of --offset, --code, --all', () => {
    expect(() => selectDeadLetters(index, {})).toThrow(/--offset <n>, --code <CODE> or --all/);
    expect(() => selectDeadLetters(index, { offset: parseOffsetRef('0/0'), code: 'X' })).toThrow(/choose/);
    expect(() => selectDeadLetters(index, { sinceMs: T0 })).toThrow(/choose/);
  });

  it('given `reapply --all` ran once, when it runs again, then nothing is selected (unless --force)', () => {
    const once = selectDeadLetters(index, { all: true });
    const markers = once.selected.map((l, i) =>
      consumed(
        reappliedMarkerRecord(l, { topic: 'meridian.profile', partition: 0, offset: String(100 + i) }, T0),
        10 + i,
      ),
    );
    const after = given(
      ...[0, 1].map((o) =>
        deadLetter(0, o, { code: o ? 'CLOCK_SKEW' : 'UNKNOWN_SCHEMA', atMs: T0 + o * 60_000 }),
      ),
      deadLetter(1, 1, { code: 'CLOCK_SKEW', atMs: T0 + 120_000 }),
      ...markers,
    );
    const again = selectDeadLetters(after, { all: true });
    expect(again.selected).toHaveLength(0);
    expect(again.alreadyReapplied).toHaveLength(3);
    expect(countByCode(again)).toEqual([
      { code: 'CLOCK_SKEW', reapplied: 0, alreadyReapplied: 2, noSource: 0 },
      { code: 'UNKNOWN_SCHEMA', reapplied: 0, alreadyReapplied: 1, noSource: 0 },
    ]);
    expect(selectDeadLetters(after, { all: true, includeReapplied: true }).selected).toHaveLength(3);
    expect(filterDeadLetters(after, { pendingOnly: true })).toHaveLength(0);
    expect(filterDeadLetters(after, { code: 'CLOCK_SKEW' })).toHaveLength(2);
  });

  it('counts per code, and those with no source apart', () => {
    const withStray = given(deadLetter(0, 0), deadLetter(0, 1, { code: 'CLOCK_SKEW' }), {
      partition: 0,
      offset: '2',
      key: null,
      value: null,
      headers: {},
      timestamp: '0',
    });
    const s = selectDeadLetters(withStray, { all: true });
    expect(countByCode(s)).toEqual([
      { code: 'CLOCK_SKEW', reapplied: 1, alreadyReapplied: 0, noSource: 0 },
      { code: 'UNKNOWN_SCHEMA', reapplied: 1, alreadyReapplied: 0, noSource: 0 },
      { code: 'UNLABELLED', reapplied: 0, alreadyReapplied: 0, noSource: 1 },
    ]);
  });
});

describe('reapplyRecord and the marker', () => {
  it('re-produces to the source topic and partition: same key and value, original headers, where it came from, a new time', () => {
    const [l] = given(
      deadLetter(2, 5, { headers: { [REAPPLY_HEADERS.from]: `${DLQ}/0/1`, 'x-trace': 't1' } }),
    ).letters;
    const r = reapplyRecord(l!, T0 + 3_000);
    expect(r).toEqual({
      topic: 'meridian.profile',
      partition: 0,
      key: Buffer.from('ada'),
      value: Buffer.from([0, 0, 0, 0, 7, 1, 2]),
      headers: {
        'meridian-schema-subject': 'io.meridian.profile.v1.CreditAdjusted',
        'x-trace': 't1',
        // The latest hop, not the one before (that one was dead-lettered again at 2/5).
        [REAPPLY_HEADERS.from]: `${DLQ}/2/5`,
      },
      timestamp: String(T0 + 3_000),
    });
    for (const h of Object.values(DLQ_HEADERS)) expect(r.headers[h]).toBeUndefined();
  });

  it('the marker goes to the dead letter’s own partition and names both ends', () => {
    const [l] = given(deadLetter(2, 5)).letters;
    const m = reappliedMarkerRecord(l!, { topic: 'meridian.profile', partition: 0, offset: '77' }, T0);
    expect(m).toMatchObject({ topic: DLQ, partition: 2, key: null });
    expect(m.headers).toMatchObject({
      [REAPPLY_HEADERS.marker]: 'reapplied',
      [REAPPLY_HEADERS.from]: `${DLQ}/2/5`,
      [REAPPLY_HEADERS.to]: 'meridian.profile/0/77',
    });
  });

  it('offsetsOf: each record’s offset is its partition’s base offset plus its rank there', () => {
    const [a, b] = given(deadLetter(0, 0, { srcOffset: 1 }), deadLetter(0, 1, { srcOffset: 2 })).letters;
    const recs = [reapplyRecord(a!, T0), reapplyRecord(b!, T0)];
    expect(
      offsetsOf(recs, [{ topicName: 'meridian.profile', partition: 0, errorCode: 0, baseOffset: '40' }]),
    ).toEqual([
      { topic: 'meridian.profile', partition: 0, offset: '40' },
      { topic: 'meridian.profile', partition: 0, offset: '41' },
    ]);
  });
});

describe('parsing and formatting', () => {
  it('--since: durations back from now, ISO-8601, epoch ms; anything else says what works', () => {
    expect(parseSince('15m', T0)).toBe(T0 - 15 * 60_000);
    expect(parseSince('2h', T0)).toBe(T0 - 7_200_000);
    expect(parseSince('7d', T0)).toBe(T0 - 7 * 86_400_000);
    expect(parseSince('2026-12-01T09:00:00Z', T0)).toBe(T0 - 3_600_000);
    expect(parseSince(String(T0), 0)).toBe(T0);
    expect(() => parseSince('yesterday', T0)).toThrow(/ISO-8601.*duration/);
  });

  it('--offset: <offset> or <partition>/<offset>', () => {
    expect(parseOffsetRef('12')).toEqual({ partition: undefined, offset: '12' });
    expect(parseOffsetRef('2/12')).toEqual({ partition: 2, offset: '12' });
    expect(parseOffsetRef('12', '1')).toEqual({ partition: 1, offset: '12' });
    expect(() => parseOffsetRef('x')).toThrow(/<partition>\/<offset>/);
  });

  it('hexPrefix shows the first bytes and the length', () => {
    expect(hexPrefix(Buffer.from([0x7b, 0, 1]))).toBe('7b 00 01 (3 bytes)');
    expect(hexPrefix(Buffer.alloc(100), 2)).toBe('00 00 … (100 bytes)');
    expect(hexPrefix(null)).toMatch(/tombstone/);
  });
});

/**
 * The whole loop through the projector's engine, two regions, no broker: a writer 62 s ahead (bound
 * 60 s) is dead-lettered as CLOCK_SKEW in both; re-applied too early it is dead-lettered again;
 * re-applied once real time caught up, it is applied once in each region, whichever copy arrives
 * first, and the regions agree.
 */
describe('re-applying CLOCK_SKEW dead letters in every region', () => {
  const registry = new InMemorySchemaRegistry();
  let serde: EventSerde;
  const stores: ProjectionStore[] = [];
  beforeAll(async () => {
    await registerAll(registry);
    serde = new EventSerde({ registry });
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  async function region(name: string) {
    const store = createProjectionStore({ kind: 'sqlite', file: ':memory:' });
    stores.push(store);
    const dlq: DeadLetterRecord[] = [];
    const toDlq = (p: readonly Poison[]) => {
      for (const x of p) {
        const original: Record<string, string | Buffer> = {};
        for (const [k, v] of Object.entries(x.record.headers ?? {}))
          if (typeof v === 'string' || Buffer.isBuffer(v)) original[k] = v;
        dlq.push({
          partition: 0,
          offset: String(dlq.length),
          key: x.record.key,
          value: x.record.value,
          timestamp: String(T0 + 10),
          headers: {
            ...original,
            [DLQ_HEADERS.reason]: x.reason,
            [DLQ_HEADERS.code]: x.code,
            [DLQ_HEADERS.retriable]: String(x.retriable),
            [DLQ_HEADERS.topic]: x.topic,
            [DLQ_HEADERS.partition]: String(x.partition),
            [DLQ_HEADERS.offset]: x.record.offset,
          },
        });
      }
    };
    const engine = new ProjectionEngine({
      region: name,
      store,
      serde,
      models: [profileModel],
      deadLetter: { send: async (p) => toDlq(p) },
      maxForwardSkewMs: 60_000,
    });
    await engine.start();
    const logs = new Map<string, RawRecord[]>();
    /** Appends to `topic` partition 0 and lets the engine fold it, as the projector would. */
    const append = async (topic: string, r: Omit<RawRecord, 'offset'>) => {
      const log = logs.get(topic) ?? [];
      logs.set(topic, log);
      const rec = { ...r, offset: String(log.length) };
      log.push(rec);
      return engine.applyBatch(topic, 0, [rec]);
    };
    const credit = async () =>
      readField((await store.getDocument('profile', 'ada'))?.state as Document, 'credit')?.counter;
    return { dlq, append, credit, digest: () => store.stateDigest() };
  }

  it('given a skewed event dead-lettered in both regions, re-applying gives one credit in each and equal digests', async () => {
    const event: MeridianEvent = {
      type: 'io.meridian.profile.v1.CreditAdjusted',
      amountCents: 500,
      totalsP: 500,
      totalsN: 0,
      envelope: {
        eventId: randomUUID(),
        aggregateType: 'profile',
        aggregateId: 'ada',
        originRegion: 'us-east',
        hlc: { wallMs: T0 + 62_000, logical: 0, nodeId: 'us-east.skewed-writer' },
        writerEpoch: 0,
        causationId: null,
        correlationId: null,
        occurredAt: T0 + 62_000,
        seq: 1,
        observed: [],
      },
    } as MeridianEvent;
    const enc = await serde.encode(event);
    const original = {
      key: Buffer.from(enc.key),
      value: enc.value,
      headers: enc.headers,
      timestamp: String(T0),
    };
    const east = await region('us-east');
    const west = await region('us-west');

    // Given: the origin record in us-east, its mirrored copy in us-west (MirrorMaker 2 keeps the timestamp).
    expect(await east.append('meridian.profile', original)).toMatchObject({ deadLettered: 1 });
    expect(await west.append('us-east.meridian.profile', original)).toMatchObject({ deadLettered: 1 });
    const eastLetter = indexDeadLetters('meridian-dlq.us-east', east.dlq).letters[0]!;
    expect(eastLetter.code).toBe('CLOCK_SKEW');

    // When us-east re-applies too early (1 s later: still 61 s ahead), then it is dead-lettered again.
    const early = reapplyRecord(eastLetter, T0 + 1_000);
    expect(await east.append(early.topic, early)).toMatchObject({ deadLettered: 1, applied: 0 });
    const again = indexDeadLetters('meridian-dlq.us-east', east.dlq).letters[1]!;
    expect(again).toMatchObject({ code: 'CLOCK_SKEW', reappliedFrom: 'meridian-dlq.us-east/0/0' });

    // When it re-applies that one after real time caught up (59 s ahead), then it is applied...
    const late = reapplyRecord(again, T0 + 3_000);
    expect(await east.append(late.topic, late)).toMatchObject({ applied: 1, deadLettered: 0 });
    // ... and its mirrored copy (a local topic is mirrored) is applied in us-west too,
    expect(await west.append('us-east.meridian.profile', late)).toMatchObject({ applied: 1 });
    // ... where re-applying us-west's own dead letter as well is a duplicate: dedup by (origin, seq).
    const westLetter = indexDeadLetters('meridian-dlq.us-west', west.dlq).letters[0]!;
    const westCopy = reapplyRecord(westLetter, T0 + 5_000);
    expect(westCopy.topic).toBe('us-east.meridian.profile');
    expect(await west.append(westCopy.topic, westCopy)).toMatchObject({ applied: 0, duplicates: 1 });

    expect(await east.credit()).toBe(500);
    expect(await west.credit()).toBe(500);
    expect((await east.digest()).digest).toBe((await west.digest()).digest);
  });

  it('a record that can never decode stays dead-lettered with the same code however often it is re-applied', async () => {
    const east = await region('us-east');
    const bad = {
      key: Buffer.from('bob'),
      value: Buffer.from([0x7b, 1, 2, 3, 4, 5]),
      headers: {},
      timestamp: String(T0),
    };
    await east.append('meridian.profile', bad);
    for (let i = 0; i < 2; i++) {
      const letters = indexDeadLetters('meridian-dlq.us-east', east.dlq).letters;
      const r = reapplyRecord(letters[letters.length - 1]!, T0 + 10_000 * (i + 1));
      expect(await east.append(r.topic, r)).toMatchObject({ deadLettered: 1 });
    }
    expect(indexDeadLetters('meridian-dlq.us-east', east.dlq).letters.map((l) => l.code)).toEqual([
      'BAD_MAGIC_BYTE',
      'BAD_MAGIC_BYTE',
      'BAD_MAGIC_BYTE',
    ]);
  });
});
