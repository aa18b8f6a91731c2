import {
  applyOp,
  digest,
  documentEmpty,
  HybridLogicalClock,
  prepareCounterAdd,
  prepareSetAdd,
  prepareSetRemove,
  readField,
  type Document,
} from '@meridian/merge';
import { Writer } from './writer';

const clock = () => new HybridLogicalClock({ nodeId: 'us-east.test', wallClockMs: () => 1_000 });

describe('Writer', () => {
  it('gives each aggregate a gap-free sequence under one origin', async () => {
    const w = new Writer({ region: 'us-east', clock: clock(), instanceId: 'i1' });
    const a = await w.prepare('profile', 'a', [(d, o) => prepareCounterAdd(d, 'credit', o, 5)]);
    const b = await w.prepare('profile', 'a', [
      (d, o) => prepareCounterAdd(d, 'credit', o, -2),
      (d, o) => prepareCounterAdd(d, 'credit', o, 10),
    ]);
    const other = await w.prepare('profile', 'b', [(d) => prepareSetAdd(d, 'tags', 'x')]);
    expect([...a.ops, ...b.ops].map((o) => [o.origin, o.seq])).toEqual([
      ['us-east.i1.0', 1],
      ['us-east.i1.0', 2],
      ['us-east.i1.0', 3],
    ]);
    expect(other.ops[0]!.seq).toBe(1);
    // Running totals accumulate across steps and writes: +5, -2, +10.
    const doc = [...a.ops, ...b.ops].reduce<Document>((d, op) => applyOp(d, op), documentEmpty());
    expect(readField(doc, 'credit')?.counter).toBe(13);
  });

  it('after an aborted write uses a new origin, so no sequence number is ever reused', async () => {
    const w = new Writer({ region: 'eu', clock: clock(), instanceId: 'i2' });
    const first = await w.prepare('profile', 'a', [(d) => prepareSetAdd(d, 'tags', 'x')]);
    first.abort();
    const second = await w.prepare('profile', 'a', [(d) => prepareSetAdd(d, 'tags', 'y')]);
    expect(first.ops[0]!.origin).toBe('eu.i2.0');
    expect(second.ops[0]!.origin).toBe('eu.i2.1');
    expect(second.ops[0]!.seq).toBe(1);
  });

  it('starts from the projector snapshot, so a remove sees adds made elsewhere', async () => {
    const elsewhere = new Writer({ region: 'us-west', clock: clock(), instanceId: 'w' });
    const add = await elsewhere.prepare('profile', 'a', [(d) => prepareSetAdd(d, 'tags', 'vip')]);
    const snapshot = applyOp(documentEmpty(), add.ops[0]!);
    const w = new Writer({
      region: 'us-east',
      clock: clock(),
      instanceId: 'e',
      snapshots: { load: async () => snapshot },
    });
    const rm = await w.prepare('profile', 'a', [(d) => prepareSetRemove(d, 'tags', 'vip')]);
    const after = applyOp(snapshot, rm.ops[0]!);
    expect(readField(after, 'tags')).toBeUndefined();
    expect(digest(after)).not.toBe(digest(snapshot));
  });

  it('forgets the least recently used aggregates beyond maxSessions, moving to a new origin', async () => {
    const w = new Writer({ region: 'eu', clock: clock(), instanceId: 'l', maxSessions: 1 });
    await w.prepare('profile', 'a', [(d) => prepareSetAdd(d, 'tags', 'x')]);
    const b = await w.prepare('profile', 'b', [(d) => prepareSetAdd(d, 'tags', 'x')]);
    const again = await w.prepare('profile', 'a', [(d) => prepareSetAdd(d, 'tags', 'z')]);
    expect(again.ops[0]!.origin).not.toBe('eu.l.0');
    expect(again.ops[0]!.seq).toBe(1);
    // One session at a time: a's return evicted b, which comes back under a new origin too.
    const bAgain = await w.prepare('profile', 'b', [(d) => prepareSetAdd(d, 'tags', 'y')]);
    expect(bAgain.ops[0]!.origin).not.toBe(b.ops[0]!.origin);
  });

  describe('the projector snapshot', () => {
    /** A snapshot source whose answer the test releases. */
    function heldSnapshot(doc: Document | undefined) {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let loads = 0;
      return {
        source: {
          load: async () => {
            loads++;
            await gate;
            return doc;
          },
        },
        release,
        loads: () => loads,
      };
    }
    const settled = async <T>(p: Promise<T>): Promise<boolean> => {
      let done = false;
      void p.then(
        () => (done = true),
        () => (done = true),
      );
      // Every continuation that does not wait on the snapshot has run after a macrotask.
      await new Promise((r) => setImmediate(r));
      return done;
    };

    it('is not waited for by a write whose steps read only their own origin', async () => {
      const held = heldSnapshot(undefined);
      const w = new Writer({ region: 'us-east', clock: clock(), instanceId: 'o', snapshots: held.source });
      const add = w.prepare('profile', 'a', [(d, o) => prepareCounterAdd(d, 'credit', o, 5)], {
        viewNeeded: false,
      });
      expect(await settled(add)).toBe(true);
      // Not even fetched until a write needs it (the projector is spared a read per new aggregate).
      expect(held.loads()).toBe(0);
      // Without the hint a write waits for the view.
      const rm = w.prepare('profile', 'a', [(d) => prepareSetRemove(d, 'tags', 'x')]);
      expect(await settled(rm)).toBe(false);
      expect(held.loads()).toBe(1);
      held.release();
      expect((await rm).ops[0]!.seq).toBe(2);
    });

    it("is waited for by a write that reads other writers' dots, which then sees them and its own", async () => {
      const elsewhere = new Writer({ region: 'us-west', clock: clock(), instanceId: 'w' });
      const tag = await elsewhere.prepare('profile', 'a', [(d) => prepareSetAdd(d, 'tags', 'vip')]);
      const held = heldSnapshot(applyOp(documentEmpty(), tag.ops[0]!));
      const w = new Writer({ region: 'us-east', clock: clock(), instanceId: 'v', snapshots: held.source });
      const credit = await w.prepare('profile', 'a', [(d, o) => prepareCounterAdd(d, 'credit', o, 5)], {
        viewNeeded: false,
      });
      const rm = w.prepare('profile', 'a', [(d) => prepareSetRemove(d, 'tags', 'vip')]);
      held.release();
      const removed = await rm;
      // The remove observed the other region's add, and the view kept the write made while loading.
      expect(removed.ops[0]!.kind === 'set.remove' && removed.ops[0]!.observed).toEqual(
        tag.ops[0]!.kind === 'set.add' ? [`${tag.ops[0]!.origin}:1`] : [],
      );
      const more = await w.prepare('profile', 'a', [(d, o) => prepareCounterAdd(d, 'credit', o, 2)]);
      const state = [credit, removed, more]
        .flatMap((p) => p.ops)
        .reduce<Document>((d, op) => applyOp(d, op), applyOp(documentEmpty(), tag.ops[0]!));
      expect(readField(state, 'credit')?.counter).toBe(7);
      expect(readField(state, 'tags')).toBeUndefined();
    });

    it('counts a write made before the snapshot came once when the snapshot already holds it', async () => {
      const projector: { doc?: Document } = {};
      const w = new Writer({
        region: 'us-east',
        clock: clock(),
        instanceId: 'd',
        snapshots: { load: async () => projector.doc },
      });
      const first = await w.prepare('profile', 'a', [(d, o) => prepareCounterAdd(d, 'credit', o, 5)], {
        viewNeeded: false,
      });
      // The projector applied the first write before the next write asked for the snapshot.
      projector.doc = applyOp(documentEmpty(), first.ops[0]!);
      const op = (await w.prepare('profile', 'a', [(d, o) => prepareCounterAdd(d, 'credit', o, 3)])).ops[0]!;
      expect(op.kind === 'counter.add' && [op.p, op.n]).toEqual([8, 0]);
      expect(readField(applyOp(projector.doc, op), 'credit')?.counter).toBe(8);
    });

    it('is waited for by a keyed write, which must know whether its key was written', async () => {
      const held = heldSnapshot(undefined);
      const w = new Writer({ region: 'us-east', clock: clock(), instanceId: 'k', snapshots: held.source });
      const keyed = w.prepare('profile', 'a', [(d, o) => prepareCounterAdd(d, 'credit', o, 5)], {
        viewNeeded: false,
        idempotencyKey: 'k-1',
      });
      expect(await settled(keyed)).toBe(false);
      held.release();
      expect((await keyed).duplicate).toBe(false);
    });

    it('failing to load fails the writes waiting on it; the next write starts a new session', async () => {
      const w = new Writer({
        region: 'us-east',
        clock: clock(),
        instanceId: 'f',
        snapshots: { load: () => Promise.reject(new Error('projector gone')) },
      });
      const own = await w.prepare('profile', 'a', [(d, o) => prepareCounterAdd(d, 'credit', o, 5)], {
        viewNeeded: false,
      });
      await expect(w.prepare('profile', 'a', [(d) => prepareSetRemove(d, 'tags', 'x')])).rejects.toThrow(
        'projector gone',
      );
      // The write prepared before stays valid (it read only its own origin); the next one starts over.
      expect(own.live()).toBe(true);
      const next = await w.prepare('profile', 'a', [(d, o) => prepareCounterAdd(d, 'credit', o, 1)], {
        viewNeeded: false,
      });
      expect(next.ops[0]!.origin).not.toBe(own.ops[0]!.origin);
      expect(next.ops[0]!.seq).toBe(1);
    });
  });
});
