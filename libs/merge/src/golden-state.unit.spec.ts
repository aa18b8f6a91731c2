/**
 * Golden states: a seeded history of every operation kind — three plain origins and an
 * idempotency-keyed one, with retries, `__proto__` and non-ASCII keys, supersession, removes and
 * field removes — folded in a shuffled, redelivered order, must give the committed digest. The
 * digests were recorded before the fold was optimised; a change to how documents are built that
 * alters a byte of the canonical state fails here (bump the canonical format instead, with a
 * migration, if that is meant).
 */
import { canonicalEncode, digest } from './canonical';
import * as M from '.';
import { mulberry32, reorderAndRedeliver } from '@meridian/random';

const GOLDEN: Record<number, string> = {
  1: '2e8409974b56fb07a63f3ec86e1701d875b5342d6d0e2567a8dbadc6c2d7a760',
  7: '214ea7354913433e580f50ec6e93348b36a1962f69c9fb7240f37e3f760d14cd',
  42: '3002bfda0f84783fcb73882e20b106956ae5385643326c0dd365b9b744f844e4',
};

function history(seed: number): M.Operation[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const origins = ['us-east.svc.0', 'us-west.svc.1', 'eu.svc.2'].map((nodeId) => ({
    nodeId,
    seq: 0,
    doc: M.documentEmpty(),
  }));
  let wallMs = 1_700_000_000_000;
  const ops: M.Operation[] = [];
  for (let i = 0; i < 1_500; i++) {
    wallMs += Math.floor(rand() * 3);
    const w = pick(origins);
    // Each writer has seen the others' events up to some lag.
    for (const op of ops.slice(Math.max(0, ops.length - 30), Math.max(0, ops.length - 10)))
      if (op.origin !== w.nodeId) w.doc = M.applyOp(w.doc, op);
    const r = rand();
    const key = pick(['a', 'b', '__proto__', 'ключ', 'constructor', 'k:1']);
    let m: M.Mutation;
    if (r < 0.2) m = M.prepareLwwSet(w.doc, pick(['name', 'email', '__proto__']), `v${i}`);
    else if (r < 0.3) m = M.prepareMvSet(w.doc, 'status', pick(['on', 'off', i]));
    else if (r < 0.45) m = M.prepareCounterAdd(w.doc, 'credit', w.nodeId, Math.floor(rand() * 20) - 7);
    else if (r < 0.6) m = M.prepareSetAdd(w.doc, 'tags', pick(['x', 'y', { nested: [1, 'z'] }, 3]));
    else if (r < 0.67) m = M.prepareSetRemove(w.doc, 'tags', pick(['x', 'y', 3]));
    else if (r < 0.8) m = M.prepareMapSet(w.doc, 'prefs', key, { at: i, on: rand() < 0.5 });
    else if (r < 0.88) m = M.prepareMapDelete(w.doc, 'prefs', key);
    else if (r < 0.92) m = M.prepareFieldRemove(w.doc, pick(['name', 'tags', 'prefs']));
    else m = M.prepareLwwSet(w.doc, 'note', `n${i}`);
    w.seq++;
    const op: M.Operation = {
      eventId: `${w.nodeId}/${w.seq}`,
      origin: w.nodeId,
      seq: w.seq,
      hlc: { wallMs, logical: i % 4, nodeId: w.nodeId },
      ...m,
    };
    w.doc = M.applyOp(w.doc, op);
    ops.push(op);
    // A keyed write and its retry (another stamp, maybe other observed dots) now and then.
    if (rand() < 0.05) {
      const k = `k.${seed}${i}`;
      const keyed = M.prepareLwwSet(w.doc, 'name', `keyed${i}`);
      ops.push({ eventId: `${k}/1`, origin: k, seq: 1, hlc: { wallMs, logical: 9, nodeId: k }, ...keyed });
      ops.push({
        eventId: `${k}/1`,
        origin: k,
        seq: 1,
        hlc: { wallMs: wallMs + 1, logical: 0, nodeId: k },
        ...M.prepareLwwSet(M.documentEmpty(), 'name', `keyed${i}`),
      });
    }
  }
  // Shuffle within a window and redeliver ~5 %.
  return reorderAndRedeliver(ops, { window: 40, duplicateRate: 0.05 }, rand);
}

describe('golden states', () => {
  it.each(Object.keys(GOLDEN).map(Number))('seed %i folds to its committed digest', (seed) => {
    const doc = history(seed).reduce((d: M.Document, op) => M.applyOp(d, op), M.documentEmpty());
    // `__proto__` stayed a key: the prototype of every record is untouched.
    expect(Object.getPrototypeOf(doc.fields)).toBe(Object.prototype);
    expect(canonicalEncode(doc)).toContain('"__proto__"');
    expect(digest(doc)).toBe(GOLDEN[seed]);
  });

  it.each(Object.keys(GOLDEN).map(Number))(
    'seed %i: a draft folding chunks of the history ends in the same state and never changes its base',
    (seed) => {
      const ops = history(seed);
      let doc: M.Document = M.documentEmpty();
      for (let i = 0; i < ops.length; i += 23) {
        const before = canonicalEncode(doc);
        const draft = new M.DocumentDraft(doc);
        for (const op of ops.slice(i, i + 23)) draft.apply(op);
        const next = draft.result();
        expect(canonicalEncode(doc)).toBe(before);
        doc = next;
      }
      expect(digest(doc)).toBe(GOLDEN[seed]);
    },
  );

  it('drafts agree with one-event-at-a-time folding on 40 more seeded histories', () => {
    for (let seed = 100; seed < 140; seed++) {
      const ops = history(seed);
      const chunk = 1 + (seed % 37);
      let drafted: M.Document = M.documentEmpty();
      let single: M.Document = M.documentEmpty();
      for (let i = 0; i < ops.length; i += chunk) {
        const draft = new M.DocumentDraft(drafted);
        for (const op of ops.slice(i, i + chunk)) {
          const before = single;
          single = M.applyOp(single, op);
          // The draft says "changed" exactly when applyOp returns a new document.
          if (draft.apply(op) !== (single !== before)) throw new Error(`seed ${seed}: flags differ`);
        }
        drafted = draft.result();
      }
      if (canonicalEncode(drafted) !== canonicalEncode(single))
        throw new Error(`seed ${seed} (chunk ${chunk}): the draft's state differs`);
    }
  });
});
