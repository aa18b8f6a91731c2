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
});
