import { EventSerde, InMemorySchemaRegistry, registerAll, type MeridianEvent } from '@meridian/contract';
import { profileModel, profileSteps, type ProfileStep } from '@meridian/domain';
import {
  applyOp,
  digest,
  type Document,
  documentEmpty,
  HybridLogicalClock,
  readField,
} from '@meridian/merge';
import { createProjectionStore, type ProjectionStore } from '@meridian/store';
import { Writer } from '@meridian/publisher';
import { type AggregateModel, type Poison, ProjectionEngine, type RawRecord } from './engine';

/** Builds encoded records of one profile the way the publisher does. */
async function recordsFor(
  serde: EventSerde,
  id: string,
  steps: ProfileStep[],
  firstOffset = 0,
  region = 'us-east',
): Promise<RawRecord[]> {
  const clock = new HybridLogicalClock({ nodeId: `${region}.test` });
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
      timestamp: '0',
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
      models: [profileModel as unknown as AggregateModel],
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
      timestamp: '0',
    };
    const out = await engine.applyBatch('meridian.profile', 2, [corrupt, truncated, skewed, ...good]);
    expect(out).toMatchObject({ nextOffset: '4', applied: 1, deadLettered: 3 });
    expect(poison.map((p) => [p.record.offset, p.code])).toEqual([
      ['0', 'BAD_MAGIC_BYTE'],
      ['1', 'TRUNCATED'],
      ['2', 'HLC_SKEW'],
    ]);
    expect(await store.getDocument('profile', 'p4')).toBeUndefined();
    expect(readField((await store.getDocument('profile', 'p3'))!.state as Document, 'tags')?.set).toEqual([
      'vip',
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
      decode: async () => {
        throw new UnknownSchemaError({ subject: 's', fingerprint: 'f' }, 'not registered here yet');
      },
    } as unknown as EventSerde;
    const engine = new ProjectionEngine({
      region: 'eu',
      store,
      serde,
      models: [profileModel as unknown as AggregateModel],
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
