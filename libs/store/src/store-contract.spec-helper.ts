// Long on purpose: the one contract both store adapters must meet, kept in one place so they cannot drift.
// The contract every ProjectionStore adapter must meet, run by each adapter's spec. Named `*.spec.ts`
// so the build leaves it out; jest only runs `*.unit.spec.ts` and `*.int.spec.ts`.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import {
  applyOps,
  digest,
  documentEmpty,
  prepareLwwSet,
  type Document,
  type Operation,
} from '@meridian/merge';
import {
  documentKey,
  PositionConflictError,
  stateDigestOf,
  StoreLockedError,
  type PositionAdvance,
  type ProjectionStore,
  type StoredDocument,
} from './index';

export interface StoreUnderTest {
  /** A fresh store on an empty database, not yet initialised. */
  store: ProjectionStore;
  /**
   * Opens another store on the same database (not initialised), if the adapter can: what a second
   * projector, a restart's old instance or `replay --in-place` would open.
   */
  peer?: () => ProjectionStore;
  /** Overwrites a document's stored state text behind the store's back, if the test can reach it. */
  tamperState?: (aggregateType: string, aggregateId: string, text: string) => Promise<void>;
}

export function doc(
  aggregateType: string,
  aggregateId: string,
  state: unknown,
  updatedAtMs = 1_000,
): StoredDocument {
  return { aggregateType, aggregateId, state, digest: digest(state), updatedAtMs };
}

export function pos(
  partition: number,
  nextOffset: string | number,
  extra: Partial<PositionAdvance> = {},
): PositionAdvance {
  return {
    topic: 'us-west.meridian.profile',
    partition,
    nextOffset: String(nextOffset),
    sourceRegion: 'us-west',
    appliedAtMs: 2_000,
    ...extra,
  };
}

/**
 * Ids chosen to tell the orders apart: JavaScript's `<` puts U+1F600 (a surrogate pair, D83D DE00)
 * before U+FF01; UTF-8 bytes (F0.. vs EF..) put it after. Also case, prefixes and accents.
 */
export const TRICKY_IDS = [
  'a',
  'a b',
  'ab',
  'B',
  'é',
  '\u{1F600}',
  '\uFF01',
  'z',
  '10',
  '9',
  'id/with/slash',
];

/** Fixed content for comparing digests across adapters. */
export function sampleDocuments(): StoredDocument[] {
  const out: StoredDocument[] = [];
  for (const type of ['profile', 'Profile', 'order']) {
    TRICKY_IDS.forEach((id, i) =>
      out.push(
        doc(type, id, { fields: { n: i, id, type, big: BigInt(i) * 10n ** 20n }, ctx: {}, applied: {} }),
      ),
    );
  }
  return out;
}

/** A realistic ~2 KB merge document. */
export function bigState(i: number): unknown {
  const fields: Record<string, unknown> = {};
  for (let f = 0; f < 12; f++)
    fields[`field${f}`] = {
      lww: {
        [`us-west:${i + f}`]: {
          hlc: { wallMs: 1_700_000_000_000 + i, logical: f, nodeId: 'us-west' },
          value: `value ${i}/${f} ${'x'.repeat(40)}`,
        },
      },
    };
  return { fields, ctx: { 'us-west': { hw: i, ex: [] } }, applied: { 'us-west': { hw: i, ex: [] } } };
}

export function describeStoreContract(name: string, create: () => Promise<StoreUnderTest>): void {
  describe(`ProjectionStore contract: ${name}`, () => {
    let t: StoreUnderTest;
    let store: ProjectionStore;
    const opened: ProjectionStore[] = [];

    beforeEach(async () => {
      t = await create();
      store = t.store;
      opened.push(store);
      await store.init();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    async function snapshot(s: ProjectionStore): Promise<unknown> {
      return {
        digest: await s.stateDigest(),
        positions: await s.positions(),
        stats: await s.stats(),
      };
    }

    it('init is idempotent and keeps what was committed', async () => {
      expect(await store.stats()).toEqual({
        applied: 0,
        deadLettered: 0,
        duplicates: 0,
        lwwConflicts: 0,
        aggregates: 0,
      });
      await store.commit({ documents: [doc('profile', 'p1', { a: 1 })], positions: [pos(0, 5)] });
      await store.init();
      await store.init();
      expect((await store.getDocument('profile', 'p1'))?.state).toEqual({ a: 1 });
      expect(await store.positions()).toHaveLength(1);
      if (t.peer) {
        await store.close();
        const again = t.peer();
        opened.push(again);
        await Promise.all([again.init(), again.init()]);
        expect((await again.getDocument('profile', 'p1'))?.state).toEqual({ a: 1 });
      }
    });

    describe('one writer per store', () => {
      it('refuses a second store on the same database, fast, naming the holder', async () => {
        if (!t.peer) return;
        await store.commit({ documents: [doc('profile', 'w', 'first')], positions: [pos(0, 5)] });
        const second = t.peer();
        opened.push(second);
        const t0 = Date.now();
        const err = await second.init().then(
          () => undefined,
          (e: unknown) => e,
        );
        // Fails at once, not after a busy or lock timeout.
        expect(Date.now() - t0).toBeLessThan(2_000);
        expect(err).toBeInstanceOf(StoreLockedError);
        expect(err).toMatchObject({
          code: 'STORE_LOCKED',
          retriable: false,
          holder: { pid: process.pid, host: hostname(), owner: expect.any(String) },
          message: expect.stringMatching(
            /already has a writer \(held by pid \d+ on .*\): .*Stop that process/,
          ),
        });
        // The refused store writes nothing and the first one keeps writing.
        await expect(
          second.commit({ documents: [doc('profile', 'w', 'second')], positions: [pos(0, 6)] }),
        ).rejects.toMatchObject({ code: 'STORE_NOT_OPEN' });
        await store.commit({ documents: [doc('profile', 'w', 'first again')], positions: [pos(0, 7)] });
        expect((await store.getDocument('profile', 'w'))?.state).toBe('first again');
      });

      it('lets the next writer open once the first closes, and it sees everything committed', async () => {
        if (!t.peer) return;
        await store.commit({ documents: [doc('profile', 'w', 'first')], positions: [pos(0, 5)] });
        const refused = t.peer();
        opened.push(refused);
        await expect(refused.init()).rejects.toMatchObject({ code: 'STORE_LOCKED' });
        await store.close();
        const next = t.peer();
        opened.push(next);
        await next.init();
        expect((await next.getDocument('profile', 'w'))?.state).toBe('first');
        await next.commit({
          documents: [doc('profile', 'w', 'next')],
          positions: [pos(0, 6, { expectedNextOffset: '5' })],
        });
        expect((await next.positions())[0]?.nextOffset).toBe('6');
        // And it holds the store in turn.
        const third = t.peer();
        opened.push(third);
        await expect(third.init()).rejects.toMatchObject({ code: 'STORE_LOCKED' });
      });

      it('of several stores opening at once, exactly one becomes the writer', async () => {
        if (!t.peer) return;
        await store.close();
        const peers = Array.from({ length: 4 }, () => t.peer!());
        opened.push(...peers);
        const results = await Promise.allSettled(peers.map((p) => p.init()));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results)
          if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'STORE_LOCKED' });
      });
    });

    it('reads back exactly what was committed: state (bigint, unicode), digest, times, positions', async () => {
      const state = {
        fields: { name: 'Zoë \u{1F600} "quoted" \\ \n', big: -(2n ** 70n), n: 1.5, z: 0, s: '12n' },
        ctx: {},
        applied: {},
      };
      const d1 = doc('profile', 'p1', state, 1_700_000_000_123);
      const d2 = doc('profile', 'p\u{1F600}', { x: [1, null, true] });
      await store.commit({
        documents: [d1, d2],
        positions: [
          pos(1, '42', { lastHlc: '0001700000000000.0000000001.us-west' }),
          pos(0, '9007199254740993'),
        ],
      });
      expect(await store.getDocument('profile', 'p1')).toEqual(d1);
      expect(await store.getDocument('profile', 'missing')).toBeUndefined();
      const many = await store.getDocuments([
        { aggregateType: 'profile', aggregateId: 'p1' },
        { aggregateType: 'profile', aggregateId: 'p\u{1F600}' },
        { aggregateType: 'order', aggregateId: 'p1' },
      ]);
      expect([...many.keys()].sort()).toEqual(
        [documentKey('profile', 'p1'), documentKey('profile', 'p\u{1F600}')].sort(),
      );
      expect(many.get('profile/p\u{1F600}')).toEqual(d2);
      expect((await store.getDocuments([])).size).toBe(0);
      // Sorted by (topic, partition); offsets beyond 2^53 survive as exact strings; lastHlc absent when not given.
      expect(await store.positions()).toEqual([
        {
          topic: 'us-west.meridian.profile',
          partition: 0,
          nextOffset: '9007199254740993',
          sourceRegion: 'us-west',
          appliedAtMs: 2_000,
        },
        {
          topic: 'us-west.meridian.profile',
          partition: 1,
          nextOffset: '42',
          sourceRegion: 'us-west',
          lastHlc: '0001700000000000.0000000001.us-west',
          appliedAtMs: 2_000,
        },
      ]);
      // Upsert replaces the whole document.
      const d1b = doc('profile', 'p1', { v: 2 }, 5_000);
      await store.commit({ documents: [d1b], positions: [] });
      expect(await store.getDocument('profile', 'p1')).toEqual(d1b);
      expect((await store.stats()).aggregates).toBe(2);
    });

    it('is all or nothing: a position conflict after the documents rolls the documents back', async () => {
      await store.commit({
        documents: [doc('profile', 'a', { v: 1 })],
        positions: [pos(0, 10), pos(1, 3)],
        counters: { applied: 4 },
      });
      const before = await snapshot(store);
      // Documents first (one update, one insert), counters, a good position, then one that regresses.
      const attempt = store.commit({
        documents: [doc('profile', 'a', { v: 2 }), doc('profile', 'b', { v: 1 })],
        positions: [pos(1, 4), pos(0, 9)],
        counters: { applied: 2, duplicates: 1 },
      });
      await expect(attempt).rejects.toBeInstanceOf(PositionConflictError);
      await expect(attempt).rejects.toMatchObject({
        code: 'POSITION_CONFLICT',
        retriable: false,
        conflicts: [
          { partition: 0, attemptedNextOffset: '9', actualNextOffset: '10', expectedNextOffset: undefined },
        ],
      });
      expect(await snapshot(store)).toEqual(before);
      expect((await store.getDocument('profile', 'a'))?.state).toEqual({ v: 1 });
      expect(await store.getDocument('profile', 'b')).toBeUndefined();
      // The batch load (served from the writer's memory where it can) says the same.
      const loaded = await store.getDocuments([
        { aggregateType: 'profile', aggregateId: 'a' },
        { aggregateType: 'profile', aggregateId: 'b' },
      ]);
      expect([...loaded.keys()]).toEqual(['profile/a']);
      expect(loaded.get('profile/a')).toMatchObject({ state: { v: 1 }, digest: digest({ v: 1 }) });
      // The store is still usable after the rollback.
      await store.commit({ documents: [doc('profile', 'b', { v: 1 })], positions: [pos(0, 11)] });
      expect((await store.stats()).aggregates).toBe(2);
    });

    it('is all or nothing: an unencodable state or a wrong digest writes nothing', async () => {
      await store.commit({ documents: [doc('profile', 'a', { v: 1 })], positions: [pos(0, 10)] });
      const before = await snapshot(store);
      const bad = { ...doc('profile', 'c', { v: 1 }), state: { v: Number.NaN } };
      await expect(
        store.commit({ documents: [doc('profile', 'b', { v: 1 }), bad], positions: [pos(0, 11)] }),
      ).rejects.toMatchObject({ code: 'INVALID_BATCH', message: expect.stringContaining('documents[1]') });
      const lying = { ...doc('profile', 'c', { v: 1 }), digest: digest({ v: 2 }) };
      await expect(
        store.commit({ documents: [doc('profile', 'b', { v: 1 }), lying], positions: [pos(0, 11)] }),
      ).rejects.toMatchObject({ code: 'INVALID_BATCH', message: expect.stringContaining('not the SHA-256') });
      expect(await snapshot(store)).toEqual(before);
    });

    it('never moves a position backwards; an equal offset is allowed', async () => {
      await store.commit({ documents: [], positions: [pos(0, 10)] });
      await store.commit({ documents: [], positions: [pos(0, 10, { appliedAtMs: 3_000 })] });
      await store.commit({ documents: [], positions: [pos(0, 12)] });
      await expect(store.commit({ documents: [], positions: [pos(0, 11)] })).rejects.toMatchObject({
        code: 'POSITION_CONFLICT',
      });
      // Numeric, not textual: '9' < '12' although '9' > '12' as text.
      await expect(store.commit({ documents: [], positions: [pos(0, 9)] })).rejects.toMatchObject({
        code: 'POSITION_CONFLICT',
      });
      await store.commit({ documents: [], positions: [pos(0, 100)] });
      const [p] = await store.positions();
      expect(p?.nextOffset).toBe('100');
    });

    it('expectedNextOffset fences another writer (compare-and-set)', async () => {
      await store.commit({ documents: [], positions: [pos(0, 10, { expectedNextOffset: null })] });
      // Expecting no row where there is one, or a stale offset, fails and reports what is stored.
      await expect(
        store.commit({
          documents: [doc('profile', 'z', 1)],
          positions: [pos(0, 20, { expectedNextOffset: null })],
        }),
      ).rejects.toMatchObject({ conflicts: [{ expectedNextOffset: null, actualNextOffset: '10' }] });
      await expect(
        store.commit({ documents: [], positions: [pos(0, 20, { expectedNextOffset: '5' })] }),
      ).rejects.toMatchObject({ conflicts: [{ expectedNextOffset: '5', actualNextOffset: '10' }] });
      await expect(
        store.commit({ documents: [], positions: [pos(1, 20, { expectedNextOffset: '5' })] }),
      ).rejects.toMatchObject({ conflicts: [{ partition: 1, actualNextOffset: null }] });
      await store.commit({ documents: [], positions: [pos(0, 20, { expectedNextOffset: '10' })] });
      expect((await store.positions()).map((p) => p.nextOffset)).toEqual(['20']);
      expect(await store.getDocument('profile', 'z')).toBeUndefined();
      await expect(
        store.commit({ documents: [], positions: [pos(0, 19, { expectedNextOffset: '20' })] }),
      ).rejects.toMatchObject({ code: 'INVALID_BATCH' });
      // A second projector cannot even open the store ('one writer per store'); this fence is
      // what still stands behind that lock, against a stale view inside one writer.
    });

    it('state digest follows the definition: UTF-8 byte order, all types or one', async () => {
      expect(await store.stateDigest()).toEqual(stateDigestOf([]));
      const docs = sampleDocuments();
      await store.commit({ documents: [...docs].reverse(), positions: [] });
      const all = await store.stateDigest();
      expect(all).toEqual(stateDigestOf(docs));
      expect(all.aggregates).toBe(docs.length);
      expect(await store.stateDigest('profile')).toEqual(
        stateDigestOf(docs.filter((d) => d.aggregateType === 'profile')),
      );
      expect(await store.stateDigest('nothing')).toEqual(stateDigestOf([]));
      // The test can tell the orders apart: code-unit order would give another digest.
      const b = sampleDocuments().filter((d) => d.aggregateType === 'order');
      const jsOrder = b.sort((x, y) => (x.aggregateId < y.aggregateId ? -1 : 1));
      const naive = createHash('sha256')
        .update(jsOrder.map((d) => `order\t${d.aggregateId}\t${d.digest}\n`).join(''))
        .digest('hex');
      expect((await store.stateDigest('order')).digest).not.toBe(naive);
    });

    it('pages per-aggregate digests of one type in UTF-8 order', async () => {
      const docs = sampleDocuments();
      await store.commit({ documents: docs, positions: [] });
      const expected = docs
        .filter((d) => d.aggregateType === 'profile')
        .sort((x, y) => Buffer.compare(Buffer.from(x.aggregateId), Buffer.from(y.aggregateId)))
        .map((d) => ({ aggregateId: d.aggregateId, digest: d.digest }));
      const seen: unknown[] = [];
      let afterId: string | undefined;
      let pages = 0;
      do {
        const page = await store.aggregateDigests('profile', {
          limit: 4,
          ...(afterId === undefined ? {} : { afterId }),
        });
        seen.push(...page.items);
        afterId = page.nextAfterId;
        pages += 1;
      } while (afterId !== undefined);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 4) + (expected.length % 4 === 0 ? 1 : 0));
      await expect(store.aggregateDigests('profile', { limit: 0 })).rejects.toMatchObject({
        code: 'INVALID_BATCH',
      });
    });

    it('counts committed counters only, and truncate drops everything', async () => {
      await store.commit({
        documents: [doc('profile', 'a', 1), doc('profile', 'b', 2)],
        positions: [pos(0, 3)],
        counters: { applied: 3, duplicates: 1 },
      });
      await store.commit({
        documents: [],
        positions: [pos(0, 4)],
        counters: { deadLettered: 1, applied: 0, lwwConflicts: 2 },
      });
      // The one signed counter: a batch that resolves more conflicts than it opens lowers it.
      await store.commit({ documents: [], positions: [pos(0, 5)], counters: { lwwConflicts: -1 } });
      await expect(
        store.commit({ documents: [], positions: [pos(0, 1)], counters: { applied: 100 } }),
      ).rejects.toMatchObject({ code: 'POSITION_CONFLICT' });
      await expect(
        store.commit({ documents: [], positions: [], counters: { applied: -1 } }),
      ).rejects.toMatchObject({
        code: 'INVALID_BATCH',
      });
      expect(await store.stats()).toEqual({
        applied: 3,
        deadLettered: 1,
        duplicates: 1,
        lwwConflicts: 1,
        aggregates: 2,
      });

      await store.truncate();
      expect(await store.stats()).toEqual({
        applied: 0,
        deadLettered: 0,
        duplicates: 0,
        lwwConflicts: 0,
        aggregates: 0,
      });
      expect(await store.positions()).toEqual([]);
      expect(await store.stateDigest()).toEqual(stateDigestOf([]));
      // A rebuild starts from scratch, so a lower offset is fine again.
      await store.commit({
        documents: [doc('profile', 'a', 1)],
        positions: [pos(0, 1, { expectedNextOffset: null })],
      });
      expect(await store.positions()).toHaveLength(1);
    });

    it('commits a large batch (5,000 ~2 KB documents) in one transaction', async () => {
      const docs = Array.from({ length: 5_000 }, (_, i) => doc('profile', `agg-${i}`, bigState(i), i));
      await store.commit({ documents: docs, positions: [pos(0, 5_000)], counters: { applied: 5_000 } });
      expect(await store.stats()).toEqual({
        applied: 5_000,
        deadLettered: 0,
        duplicates: 0,
        lwwConflicts: 0,
        aggregates: 5_000,
      });
      expect(await store.stateDigest()).toEqual(stateDigestOf(docs));
      const some = await store.getDocuments(docs.slice(100, 600));
      expect(some.size).toBe(500);
      expect(some.get('profile/agg-321')).toEqual(docs[321]);
    });

    it('rejects malformed keys, offsets and duplicates with INVALID_BATCH', async () => {
      const bad: [string, Parameters<ProjectionStore['commit']>[0]][] = [
        ['tab in id', { documents: [doc('profile', 'a\tb', 1)], positions: [] }],
        ['empty id', { documents: [doc('profile', '', 1)], positions: [] }],
        ['lone surrogate', { documents: [doc('profile', 'x\ud800', 1)], positions: [] }],
        ['slash in type', { documents: [doc('pro/file', 'a', 1)], positions: [] }],
        [
          'duplicate document',
          { documents: [doc('profile', 'a', 1), doc('profile', 'a', 2)], positions: [] },
        ],
        ['negative offset', { documents: [], positions: [pos(0, '-1')] }],
        ['non-decimal offset', { documents: [], positions: [pos(0, '0x10')] }],
        ['offset above int64', { documents: [], positions: [pos(0, '9223372036854775808')] }],
        ['duplicate position', { documents: [], positions: [pos(0, 1), pos(0, 2)] }],
        ['bad topic', { documents: [], positions: [pos(0, 1, { topic: 'a topic' })] }],
      ];
      for (const [why, batch] of bad) {
        const err = await store.commit(batch).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect({ why, err }).toMatchObject({ why, err: { code: 'INVALID_BATCH', retriable: false } });
      }
      expect((await store.stats()).aggregates).toBe(0);
    });

    it('reports stored state that does not match its digest as STORE_CORRUPT', async () => {
      if (!t.tamperState) return;
      await store.commit({
        documents: [doc('profile', 'a', { v: 1 }), doc('profile', 'b', { v: 1 })],
        positions: [],
      });
      await t.tamperState('profile', 'a', '{"v":2}');
      await expect(store.getDocument('profile', 'a')).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
      // The writer's batch load serves what it committed from memory (its next commit of `a`
      // rewrites the row); every read from storage checks the digest.
      expect(
        (await store.getDocuments([{ aggregateType: 'profile', aggregateId: 'a' }])).get('profile/a')?.state,
      ).toEqual({ v: 1 });
      expect((await store.getDocument('profile', 'b'))?.state).toEqual({ v: 1 });
      if (t.peer) {
        await store.close();
        const reader = t.peer();
        opened.push(reader);
        await reader.init();
        await expect(
          reader.getDocuments([{ aggregateType: 'profile', aggregateId: 'a' }]),
        ).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
      }
    });

    it('refuses use before init and after close with STORE_NOT_OPEN', async () => {
      const fresh = (await create()).store;
      await expect(fresh.positions()).rejects.toMatchObject({ code: 'STORE_NOT_OPEN' });
      await fresh.close();
      await expect(fresh.init()).rejects.toMatchObject({ code: 'STORE_NOT_OPEN' });
      await store.close();
      await store.close();
      await expect(store.commit({ documents: [], positions: [] })).rejects.toMatchObject({
        code: 'STORE_NOT_OPEN',
      });
    });
  });
}

/** A merge document whose `email` register holds two concurrent writes: one LWW conflict. */
export function conflictedState(): Document {
  const empty = documentEmpty();
  const set = (origin: string, wallMs: number, value: string) =>
    ({
      eventId: `${origin}-1`,
      origin,
      seq: 1,
      hlc: { wallMs, logical: 0, nodeId: origin },
      ...prepareLwwSet(empty, 'email', value),
    }) as Operation;
  return applyOps(empty, [set('a.s1', 1, 'a@x'), set('b.s1', 2, 'b@x')]);
}
