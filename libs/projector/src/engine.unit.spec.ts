// Long on purpose: the engine's cases share one in-memory store, registry and serde harness.
import {
  EventSerde,
  InMemorySchemaRegistry,
  registerAll,
  type MeridianEvent,
  UnknownSchemaError,
} from '@meridian/contract';
import { profileModel, profileSteps, type ProfileStep } from '@meridian/domain';
import {
  applyOp,
  digest,
  type Document,
  documentEmpty,
  HybridLogicalClock,
  lwwConflicts,
  readField,
} from '@meridian/merge';
import { createProjectionStore, type ProjectionStore } from '@meridian/store';
import { Writer } from '@meridian/publisher';
import {
  type EngineOptions,
  type Poison,
  ProjectionEngine,
  type RawRecord,
  RetriableBatchError,
} from './engine';
import { PositionAheadOfLogError } from './errors';

/**
 * Builds encoded records of one profile the way the publisher does. The writer's wall clock is
 * `at.wallMs` (default the real one); the record timestamp is `at.timestampMs` (default the HLC's).
 */
async function recordsFor(
  serde: EventSerde,
  id: string,
  steps: ProfileStep[],
  firstOffset = 0,
  region = 'us-east',
  at: { wallMs?: number; timestampMs?: number } = {},
): Promise<RawRecord[]> {
  const wallMs = at.wallMs;
  const clock = new HybridLogicalClock({
    nodeId: `${region}.test`,
    ...(wallMs !== undefined ? { wallClockMs: () => wallMs } : {}),
  });
  const writer = new Writer({ region, clock, instanceId: 't' });
  const prepared = await writer.prepare(
    'profile',
    id,
    steps.map((s) => s.mutation),
  );
  const out: RawRecord[] = [];
  for (const [i, op] of prepared.ops.entries()) {
    const event = {
      ...steps[i]!.payload(op),
      envelope: {
        eventId: op.eventId,
        aggregateType: 'profile',
        aggregateId: id,
        originRegion: 'us-east',
        hlc: op.hlc,
        writerEpoch: 0,
        causationId: null,
        correlationId: null,
        occurredAt: op.hlc.wallMs,
        seq: op.seq,
        observed: [...op.observed],
      },
    } as unknown as MeridianEvent;
    const enc = await serde.encode(event);
    out.push({
      offset: String(firstOffset + i),
      key: Buffer.from(enc.key),
      value: enc.value,
      headers: enc.headers,
      timestamp: String(at.timestampMs ?? op.hlc.wallMs),
    });
  }
  return out;
}

describe('ProjectionEngine', () => {
  let store: ProjectionStore;
  let serde: EventSerde;
  let poison: Poison[];
  let engine: ProjectionEngine;

  beforeEach(async () => {
    const registry = new InMemorySchemaRegistry();
    await registerAll(registry);
    serde = new EventSerde({ registry });
    store = createProjectionStore({ kind: 'sqlite', file: ':memory:' });
    poison = [];
    engine = new ProjectionEngine({
      region: 'us-east',
      store,
      serde,
      models: [profileModel],
      deadLetter: { send: async (p) => void poison.push(...p) },
      clock: new HybridLogicalClock({ nodeId: 'us-east.projector', maxForwardSkewMs: 60_000 }),
    });
    await engine.start();
  });
  afterEach(() => store.close());

  it('applies a batch and stores the document with the next offset in one commit', async () => {
    const recs = await recordsFor(serde, 'p1', [
      profileSteps.adjustCredit(500),
      profileSteps.adjustCredit(-200),
    ]);
    const out = await engine.applyBatch('meridian.profile', 0, recs);
    expect(out).toMatchObject({ nextOffset: '2', applied: 2, duplicates: 0, deadLettered: 0 });
    const doc = (await store.getDocument('profile', 'p1'))!.state as Document;
    expect(readField(doc, 'credit')?.counter).toBe(300);
    expect(await store.positions()).toMatchObject([
      { topic: 'meridian.profile', partition: 0, nextOffset: '2', sourceRegion: 'us-east' },
    ]);
  });

  it('counts the registers holding concurrent writes in the store, once, whatever is delivered again', async () => {
    // Two writers that have not seen each other set the same field: the rule decides, the store counts.
    const east = await recordsFor(serde, 'pc', [profileSteps.setField('email', 'a@x')], 0, 'us-east');
    const eu = await recordsFor(serde, 'pc', [profileSteps.setField('email', 'b@x')], 0, 'eu');
    await engine.applyBatch('meridian.profile', 0, east);
    expect((await store.stats()).lwwConflicts).toBe(0);
    await engine.applyBatch('eu.meridian.profile', 0, eu);
    await engine.applyBatch('us-west.meridian.profile', 0, [...east, ...eu]); // mirrored again
    expect((await store.stats()).lwwConflicts).toBe(1);
    const doc = (await store.getDocument('profile', 'pc'))!.state as Document;
    const [c] = lwwConflicts(doc);
    expect(c?.field).toBe('email');
    expect([c?.winner.value, c?.losers[0]?.value].sort()).toEqual(['a@x', 'b@x']);
    expect(readField(doc, 'email')?.lww).toBe(c?.winner.value);
  });

  it('skips records below the stored offset (redelivery after a crash) and counts mirrored duplicates', async () => {
    const recs = await recordsFor(serde, 'p2', [profileSteps.recordLogin(), profileSteps.recordLogin()]);
    await engine.applyBatch('meridian.profile', 1, recs);
    const again = await engine.applyBatch('meridian.profile', 1, recs);
    expect(again).toMatchObject({ applied: 0, skipped: 2 });
    // The same events mirrored into another topic (MirrorMaker 2 at-least-once): merge dedup.
    const mirrored = await engine.applyBatch('us-west.meridian.profile', 0, recs);
    expect(mirrored).toMatchObject({ applied: 0, duplicates: 2 });
    const doc = (await store.getDocument('profile', 'p2'))!.state as Document;
    expect(readField(doc, 'logins')?.counter).toBe(2);
    expect((await store.stats()).duplicates).toBe(2);
  });

  it('dead-letters corrupt, truncated and too-far-future records and goes on', async () => {
    const good = await recordsFor(serde, 'p3', [profileSteps.addTag('vip')], 3);
    const corrupt: RawRecord = {
      offset: '0',
      key: null,
      value: Buffer.from('{"json":true}'),
      timestamp: '0',
    };
    const truncated: RawRecord = { offset: '1', key: null, value: Buffer.from([0, 0, 0]), timestamp: '0' };
    const [future] = await recordsFor(serde, 'p4', [profileSteps.addTag('x')], 2);
    // Re-encode p4's event with an HLC an hour ahead.
    const decoded = await serde.decode(future!.value, future!.headers, { topic: 'meridian.profile' });
    const ahead = {
      ...decoded,
      envelope: { ...decoded.envelope, hlc: { ...decoded.envelope.hlc, wallMs: Date.now() + 3_600_000 } },
    } as MeridianEvent;
    const enc = await serde.encode(ahead);
    const skewed: RawRecord = {
      offset: '2',
      key: null,
      value: enc.value,
      headers: enc.headers,
      timestamp: String(Date.now()),
    };
    const out = await engine.applyBatch('meridian.profile', 2, [corrupt, truncated, skewed, ...good]);
    expect(out).toMatchObject({ nextOffset: '4', applied: 1, deadLettered: 3 });
    expect(poison.map((p) => [p.record.offset, p.code])).toEqual([
      ['0', 'BAD_MAGIC_BYTE'],
      ['1', 'TRUNCATED'],
      ['2', 'CLOCK_SKEW'],
    ]);
    expect(await store.getDocument('profile', 'p4')).toBeUndefined();
    expect(readField((await store.getDocument('profile', 'p3'))!.state as Document, 'tags')?.set).toEqual([
      'vip',
    ]);
  });

  it('dead-letters a tombstone (null value) under its own code, not TRUNCATED', async () => {
    const good = await recordsFor(serde, 'after-tombstone', [profileSteps.addTag('t')], 1);
    const tombstone: RawRecord = {
      offset: '0',
      key: Buffer.from('k'),
      value: null,
      timestamp: String(Date.now()),
    };
    const out = await engine.applyBatch('meridian.profile', 0, [tombstone, ...good]);
    expect(out).toMatchObject({ nextOffset: '2', applied: 1, deadLettered: 1 });
    expect(poison).toEqual([
      expect.objectContaining({
        code: 'TOMBSTONE',
        retriable: false,
        reason: expect.stringMatching(/tombstone/),
      }),
    ]);
  });

  it('folds to the same digest whatever the order the partitions are applied in', async () => {
    const a = await recordsFor(serde, 'p5', [
      profileSteps.setField('displayName', 'A'),
      profileSteps.addTag('t'),
    ]);
    const b = await recordsFor(
      serde,
      'p5',
      [profileSteps.setField('displayName', 'B'), profileSteps.removeTag('t')],
      0,
      'us-west',
    );
    await engine.applyBatch('meridian.profile', 0, a);
    await engine.applyBatch('us-west.meridian.profile', 0, b);
    const first = (await store.getDocument('profile', 'p5'))!.digest;
    // Fold the same events in the other order by hand.
    const ops = [...b, ...a].map(async (r) =>
      profileModel.toOperation(
        (await serde.decode(r.value, r.headers, { topic: 'meridian.profile' })) as never,
      ),
    );
    let doc = documentEmpty();
    for (const op of await Promise.all(ops)) doc = applyOp(doc, op);
    expect(digest(doc)).toBe(first);
    // us-west's remove saw no add of `t`: the concurrent add wins.
    expect(readField(doc, 'tags')?.set).toEqual(['t']);
  });
});

describe('ProjectionEngine with a schema not yet registered in this region', () => {
  it('holds the partition back (retriable) for maxRetryMs, then dead-letters the record as retriable', async () => {
    const { UnknownSchemaError } = await import('@meridian/contract');
    const { RetriableBatchError } = await import('./engine');
    const store = createProjectionStore({ kind: 'sqlite', file: ':memory:' });
    const poison: Poison[] = [];
    let now = 1_000;
    const serde = {
      // The schema is not known here: the registry is asked (and says no).
      decodeKnown: () => undefined,
      decode: async () => {
        throw new UnknownSchemaError({ subject: 's', fingerprint: 'f' }, 'not registered here yet');
      },
    } as unknown as EventSerde;
    const engine = new ProjectionEngine({
      region: 'eu',
      store,
      serde,
      models: [profileModel],
      deadLetter: { send: async (p) => void poison.push(...p) },
      clock: new HybridLogicalClock({ nodeId: 'eu.projector' }),
      maxRetryMs: 5_000,
      now: () => now,
    });
    await engine.start();
    const rec: RawRecord = { offset: '0', key: null, value: Buffer.from([0, 0, 0, 0, 1, 2]), timestamp: '0' };
    await expect(engine.applyBatch('us-east.meridian.profile', 0, [rec])).rejects.toBeInstanceOf(
      RetriableBatchError,
    );
    now += 4_000;
    await expect(engine.applyBatch('us-east.meridian.profile', 0, [rec])).rejects.toBeInstanceOf(
      RetriableBatchError,
    );
    expect(poison).toHaveLength(0);
    now += 2_000;
    const out = await engine.applyBatch('us-east.meridian.profile', 0, [rec]);
    expect(out).toMatchObject({ nextOffset: '1', deadLettered: 1 });
    expect(poison[0]).toMatchObject({ code: 'UNKNOWN_SCHEMA', retriable: true });
    await store.close();
  });
});

describe('ProjectionEngine holding a partition back for schemas not registered here', () => {
  const HOLD_MS = 60_000;
  const STEP_MS = 1_000; // the runner's retry interval, simulated
  const CREDIT = 'io.meridian.profile.v1.CreditAdjusted';
  const TAG = 'io.meridian.profile.v1.TagAdded';

  /** The region's registry as the engine sees it: `missing` event types are not registered (yet). */
  function lateRegistry(real: EventSerde, missing: Set<string>): EventSerde {
    return {
      // Every record goes to the (late) registry path.
      decodeKnown: () => undefined,
      decode: async (...args: Parameters<EventSerde['decode']>) => {
        const event = await real.decode(...args);
        if (missing.has(event.type))
          throw new UnknownSchemaError(
            { subject: event.type, fingerprint: `fp-${event.type}` },
            `${event.type} is not registered here yet`,
          );
        return event;
      },
    } as unknown as EventSerde;
  }

  async function setup(missing: Set<string>) {
    const registry = new InMemorySchemaRegistry();
    await registerAll(registry);
    const real = new EventSerde({ registry });
    const store = createProjectionStore({ kind: 'sqlite', file: ':memory:' });
    const poison: Poison[] = [];
    const clock = { now: 1_000_000 };
    const engine = new ProjectionEngine({
      region: 'eu',
      store,
      serde: lateRegistry(real, missing),
      models: [profileModel],
      deadLetter: { send: async (p) => void poison.push(...p) },
      clock: new HybridLogicalClock({ nodeId: 'eu.projector' }),
      maxRetryMs: HOLD_MS,
      now: () => clock.now,
    });
    await engine.start();
    return { real, store, poison, clock, engine };
  }

  /** What `KafkaProjectorRunner` does: retry the same batch every STEP_MS, with a deadline. */
  async function untilApplied(
    engine: ProjectionEngine,
    clock: { now: number },
    batch: RawRecord[],
    onRetry: (elapsedMs: number) => void = () => undefined,
    deadlineMs = 10 * HOLD_MS,
  ) {
    const t0 = clock.now;
    for (;;) {
      try {
        const out = await engine.applyBatch('us-east.meridian.profile', 0, batch);
        return { out, elapsedMs: clock.now - t0 };
      } catch (e) {
        if (!(e instanceof RetriableBatchError)) throw e;
        if (clock.now - t0 >= deadlineMs)
          throw new Error(`still held back after ${deadlineMs} ms: ${e.message}`);
        clock.now += STEP_MS;
        onRetry(clock.now - t0);
      }
    }
  }

  /** 2n records: credit adjustments (of profiles late-i) and tags (of never-i), interleaved. */
  async function mixedBatch(serde: EventSerde, n: number, tags = true): Promise<RawRecord[]> {
    const out: RawRecord[] = [];
    for (let i = 0; i < n; i++) {
      out.push(...(await recordsFor(serde, `late-${i}`, [profileSteps.adjustCredit(10)], out.length)));
      if (tags) out.push(...(await recordsFor(serde, `never-${i}`, [profileSteps.addTag('x')], out.length)));
    }
    return out;
  }

  it('applies many records of a type registered during the hold as soon as it is registered', async () => {
    const missing = new Set([CREDIT]);
    const { real, store, poison, clock, engine } = await setup(missing);
    const batch = await mixedBatch(real, 10, false);
    const { out, elapsedMs } = await untilApplied(engine, clock, batch, (t) => {
      if (t >= 30_000) missing.delete(CREDIT); // registered 30 s in
    });
    expect(elapsedMs).toBe(30_000);
    expect(out).toMatchObject({ nextOffset: '10', applied: 10, deadLettered: 0 });
    expect(poison).toEqual([]);
    for (let i = 0; i < 10; i++)
      expect(
        readField((await store.getDocument('profile', `late-${i}`))!.state as Document, 'credit')?.counter,
      ).toBe(10);
    await store.close();
  });

  it('dead-letters every record of a type never registered after ONE hold period, not one per record', async () => {
    const missing = new Set([CREDIT, TAG]);
    const { real, store, poison, clock, engine } = await setup(missing);
    const batch = await mixedBatch(real, 10);
    const { out, elapsedMs } = await untilApplied(engine, clock, batch, (t) => {
      if (t >= 30_000) missing.delete(CREDIT); // CreditAdjusted registered 30 s in, TagAdded never
    });
    expect(elapsedMs).toBe(HOLD_MS);
    expect(out).toMatchObject({ nextOffset: '20', applied: 10, deadLettered: 10 });
    expect(poison.map((p) => p.record.offset)).toEqual(
      batch.filter((_, i) => i % 2 === 1).map((r) => r.offset),
    );
    expect(poison.every((p) => p.code === 'UNKNOWN_SCHEMA' && p.retriable)).toBe(true);
    expect(poison[0]!.reason).toMatch(/TagAdded is not registered here yet \(held 60000 ms\)/);
    for (let i = 0; i < 10; i++) {
      expect(
        readField((await store.getDocument('profile', `late-${i}`))!.state as Document, 'credit')?.counter,
      ).toBe(10);
      expect(await store.getDocument('profile', `never-${i}`)).toBeUndefined();
    }

    // The next batch of the partition with the same missing schema is not held back again.
    const next = (await recordsFor(real, 'never-x', [profileSteps.addTag('y')], 20))[0]!;
    const again = await untilApplied(engine, clock, [next]);
    expect(again).toMatchObject({ elapsedMs: 0, out: { nextOffset: '21', deadLettered: 1 } });
    await store.close();
  });
});

describe('ProjectionEngine forward-skew decision', () => {
  const T = 1_800_000_000_000; // when the records were written (their record timestamp)
  const BOUND = 60_000;

  it('is the same for a live projector, one catching up an hour later, and a replay', async () => {
    const registry = new InMemorySchemaRegistry();
    await registerAll(registry);
    const serde = new EventSerde({ registry });
    const within = await recordsFor(serde, 'skew-ok', [profileSteps.addTag('a')], 0, 'us-east', {
      wallMs: T + 30_000,
      timestampMs: T,
    });
    const beyond = await recordsFor(serde, 'skew-far', [profileSteps.addTag('b')], 1, 'us-east', {
      wallMs: T + 90_000,
      timestampMs: T,
    });
    const behind = await recordsFor(serde, 'skew-behind', [profileSteps.addTag('c')], 2, 'us-east', {
      wallMs: T - 5_000,
      timestampMs: T,
    });
    const batch = [...within, ...beyond, ...behind];

    /** One projector whose own clock reads `nowMs` (and, `replay`, configured as `replay()` does). */
    async function processAt(nowMs: number, replay = false) {
      const store = createProjectionStore({ kind: 'sqlite', file: ':memory:' });
      const poison: Poison[] = [];
      const engine = new ProjectionEngine({
        region: 'eu',
        store,
        serde,
        models: [profileModel],
        deadLetter: { send: async (p) => void poison.push(...p) },
        maxForwardSkewMs: BOUND,
        ...(replay
          ? { maxRetryMs: 0, include: () => true }
          : {
              clock: new HybridLogicalClock({
                nodeId: 'eu.projector',
                wallClockMs: () => nowMs,
                maxForwardSkewMs: BOUND,
              }),
            }),
        now: () => nowMs,
      } as EngineOptions);
      await engine.start();
      const out = await engine.applyBatch('us-east.meridian.profile', 0, batch);
      const digest = (await store.stateDigest()).digest;
      await store.close();
      return { out, digest, poison: poison.map((p) => [p.record.offset, p.code, p.retriable, p.reason]) };
    }

    const live = await processAt(T + 100);
    const catchingUp = await processAt(T + 3_600_000);
    const replayed = await processAt(T + 30 * 86_400_000, true);
    expect(catchingUp).toEqual(live);
    expect(replayed).toEqual(live);
    expect(live.out).toMatchObject({ nextOffset: '3', applied: 2, deadLettered: 1 });
    expect(live.poison).toEqual([
      [
        '1',
        'CLOCK_SKEW',
        false,
        `HLC wallMs ${T + 90_000} is 90000 ms ahead of the record timestamp ${T}; max forward skew is 60000 ms (the writer's clock was ahead)`,
      ],
    ]);
  });
});

describe('ProjectionEngine refusing to skip silently', () => {
  let store: ProjectionStore;
  let serde: EventSerde;
  let poison: Poison[];
  let engine: ProjectionEngine;
  beforeEach(async () => {
    const registry = new InMemorySchemaRegistry();
    await registerAll(registry);
    serde = new EventSerde({ registry });
    store = createProjectionStore({ kind: 'sqlite', file: ':memory:' });
    poison = [];
    engine = new ProjectionEngine({
      region: 'us-east',
      store,
      serde,
      models: [profileModel],
      deadLetter: { send: async (p) => void poison.push(...p) },
    });
    await engine.start();
  });
  afterEach(() => store.close());

  it('stops with a fix-it error when the log ends below the stored position (topic recreated)', async () => {
    const first = await recordsFor(
      serde,
      'gone',
      [0, 1, 2, 3, 4].map(() => profileSteps.recordLogin()),
    );
    await engine.applyBatch('meridian.profile', 0, first, { logEndOffset: '5' });
    // The topic is recreated: two new events at offsets 0 and 1, the log ends at 2.
    const reborn = await recordsFor(serde, 'new', [profileSteps.addTag('a'), profileSteps.addTag('b')]);
    const attempt = engine.applyBatch('meridian.profile', 0, reborn, { logEndOffset: '2' });
    await expect(attempt).rejects.toBeInstanceOf(PositionAheadOfLogError);
    await expect(attempt).rejects.toMatchObject({
      code: 'POSITION_AHEAD_OF_LOG',
      retriable: false,
      topic: 'meridian.profile',
      partition: 0,
      storedNextOffset: '5',
      logEndOffset: '2',
      firstFetchedOffset: '0',
      message: expect.stringMatching(/log ends at 2.*npx meridian replay/s),
    });
    // Nothing was skipped into the store: the position and the documents are as they were.
    expect((await store.positions())[0]).toMatchObject({ nextOffset: '5' });
    expect(await store.getDocument('profile', 'new')).toBeUndefined();
    expect(poison).toEqual([]);
  });

  it('still skips a redelivery below the stored position while the log reaches it', async () => {
    const recs = await recordsFor(serde, 'redelivered', [
      profileSteps.recordLogin(),
      profileSteps.recordLogin(),
    ]);
    await engine.applyBatch('meridian.profile', 0, recs, { logEndOffset: '2' });
    expect(await engine.applyBatch('meridian.profile', 0, recs, { logEndOffset: '2' })).toMatchObject({
      applied: 0,
      skipped: 2,
    });
  });
});
