import fc from 'fast-check';
import {
  applyOp,
  DedupWindowExceededError,
  digest,
  documentEmpty,
  documentVersion,
  hasApplied,
  HybridLogicalClock,
  InvalidOperationError,
  mergeDocuments,
  prepareCounterAdd,
  prepareFieldRemove,
  prepareLwwSet,
  prepareMapDelete,
  prepareMapSet,
  prepareMvSet,
  prepareSetAdd,
  prepareSetRemove,
  readDocument,
  readField,
  type Document,
  type Mutation,
  type Operation,
  type Value,
} from './index';
import {
  configureFastCheck,
  describeMergeLaws,
  permutationWithDuplicates,
  same,
  valueArb,
} from './fc-support.spec-helper';

configureFastCheck(__filename);

const NODES = ['eu-west', 'us-east', 'ap-south'] as const;
const fold = (ops: readonly Operation[], from: Document = documentEmpty()): Document =>
  ops.reduce((d, op) => applyOp(d, op), from);

/** A writer region: its own document, clock and sequence, like a projector plus command handler. */
class Region {
  doc = documentEmpty();
  seq = 0;
  wallMs: number;
  readonly clock: HybridLogicalClock;
  constructor(
    readonly nodeId: string,
    startMs = 1_000,
  ) {
    this.wallMs = startMs;
    this.clock = new HybridLogicalClock({ nodeId, wallClockMs: () => this.wallMs, maxForwardSkewMs: 1e9 });
  }
  write(mutation: (doc: Document) => Mutation): Operation {
    this.seq += 1;
    const op = {
      eventId: `${this.nodeId}/${this.seq}`,
      origin: this.nodeId,
      seq: this.seq,
      hlc: this.clock.now(),
      ...mutation(this.doc),
    };
    this.doc = applyOp(this.doc, op); // a writer applies its own event first
    return op;
  }
  receive(op: Operation): void {
    if (op.origin !== this.nodeId) this.clock.receive(op.hlc);
    this.doc = applyOp(this.doc, op);
  }
}

describe('document: examples', () => {
  it('two regions writing the same field concurrently end with the same value (README example)', () => {
    const eu = new Region('eu-west', 1_000);
    const us = new Region('us-east', 1_000); // same wall clock millisecond on both sides
    const a = eu.write((d) => prepareLwwSet(d, 'title', 'Draft (eu)'));
    const b = us.write((d) => prepareLwwSet(d, 'title', 'Draft (us)'));
    expect(a.hlc).toEqual({ wallMs: 1_000, logical: 0, nodeId: 'eu-west' });
    expect(b.hlc).toEqual({ wallMs: 1_000, logical: 0, nodeId: 'us-east' });
    eu.receive(b);
    us.receive(a);
    // Same wallMs and logical: nodeId decides, 'us-east' > 'eu-west'.
    expect(readField(eu.doc, 'title')?.lww).toBe('Draft (us)');
    expect(readField(us.doc, 'title')?.lww).toBe('Draft (us)');
    expect(digest(eu.doc)).toBe(digest(us.doc));
    // A later write that saw both replaces both entries.
    const c = eu.write((d) => prepareLwwSet(d, 'title', 'Final'));
    expect(c.observed).toEqual(['eu-west:1', 'us-east:1']);
    us.receive(c);
    expect(readField(us.doc, 'title')).toEqual({ lww: 'Final' });
    expect(digest(us.doc)).toBe(digest(eu.doc));
  });

  it('applying the same event twice is a no-op (same object back)', () => {
    const eu = new Region('eu-west');
    const op = eu.write((d) => prepareCounterAdd(d, 'views', 'eu-west', 5));
    const once = applyOp(documentEmpty(), op);
    expect(applyOp(once, op)).toBe(once);
    expect(applyOp(once, { ...op, eventId: 'redelivered copy' })).toBe(once); // dedup key is (origin, seq)
    expect(readField(once, 'views')).toEqual({ counter: 5 });
    expect(hasApplied(once, 'eu-west', 1)).toBe(true);
  });

  it('keeps the applied set bounded: high-water mark plus exceptions, compacted as gaps fill', () => {
    const eu = new Region('eu-west');
    const ops = [1, 2, 3, 4, 5, 6].map((i) => eu.write((d) => prepareCounterAdd(d, 'n', 'eu-west', i)));
    let doc = fold([ops[0], ops[1], ops[3], ops[5]] as Operation[]);
    expect(doc.applied).toEqual({ 'eu-west': { hw: 2, ex: [4, 6] } });
    expect(documentVersion(doc)).toEqual({ 'eu-west': 2 });
    doc = applyOp(doc, ops[2] as Operation);
    expect(doc.applied).toEqual({ 'eu-west': { hw: 4, ex: [6] } });
    doc = applyOp(doc, ops[4] as Operation);
    expect(doc.applied).toEqual({ 'eu-west': { hw: 6, ex: [] } });
    expect(readField(doc, 'n')).toEqual({ counter: 21 });
  });

  it('refuses to grow the exceptions past maxPendingPerOrigin (retriable)', () => {
    const eu = new Region('eu-west');
    const ops = [1, 2, 3].map(() => eu.write((d) => prepareSetAdd(d, 's', 1)));
    const doc = applyOp(documentEmpty(), ops[1] as Operation, { maxPendingPerOrigin: 1 });
    expect(() => applyOp(doc, ops[2] as Operation, { maxPendingPerOrigin: 1 })).toThrow(
      DedupWindowExceededError,
    );
    expect(applyOp(doc, ops[0] as Operation, { maxPendingPerOrigin: 1 }).applied).toEqual({
      'eu-west': { hw: 2, ex: [] },
    });
  });

  it('an event superseded before it arrives never shows up', () => {
    const eu = new Region('eu-west');
    const first = eu.write((d) => prepareMvSet(d, 'status', 'open'));
    const second = eu.write((d) => prepareMvSet(d, 'status', 'closed'));
    const late = fold([second, first]);
    expect(readField(late, 'status')).toEqual({ mv: ['closed'] });
    expect(digest(late)).toBe(digest(eu.doc));
  });

  it('removing a field is observed-remove: a concurrent write survives (add-wins)', () => {
    const eu = new Region('eu-west');
    const us = new Region('us-east');
    const add = eu.write((d) => prepareSetAdd(d, 'tags', 'red'));
    us.receive(add);
    const remove = us.write((d) => prepareFieldRemove(d, 'tags'));
    const concurrent = eu.write((d) => prepareSetAdd(d, 'tags', 'blue'));
    eu.receive(remove);
    us.receive(concurrent);
    expect(readField(eu.doc, 'tags')).toEqual({ set: ['blue'] });
    expect(digest(eu.doc)).toBe(digest(us.doc));
  });

  it('multi-value field surfaces concurrent writes; counter sums regions', () => {
    const eu = new Region('eu-west');
    const us = new Region('us-east');
    const ops = [
      eu.write((d) => prepareMvSet(d, 'owner', 'alice')),
      us.write((d) => prepareMvSet(d, 'owner', 'bob')),
      eu.write((d) => prepareCounterAdd(d, 'stock', 'eu-west', 10)),
      us.write((d) => prepareCounterAdd(d, 'stock', 'us-east', -3)),
      eu.write((d) => prepareMapSet(d, 'attrs', 'size', 'L')),
    ];
    expect(readDocument(fold(ops))).toEqual({
      attrs: { map: { size: 'L' } },
      owner: { mv: ['alice', 'bob'] },
      stock: { counter: 7 },
    });
  });

  it('rejects malformed operations with INVALID_OPERATION', () => {
    const eu = new Region('eu-west');
    const op = eu.write((d) => prepareLwwSet(d, 'x', 1));
    const bad: unknown[] = [
      { ...op, seq: 0 },
      { ...op, origin: 'us-east' }, // hlc.nodeId must be the origin
      { ...op, eventId: '' },
      { ...op, observed: ['nonsense'] },
      { ...op, kind: 'lww.explode' },
    ];
    for (const b of bad)
      expect(() => applyOp(documentEmpty(), b as Operation)).toThrow(InvalidOperationError);
    expect(() => applyOp(documentEmpty(), { ...op, value: NaN } as unknown as Operation)).toThrow(
      expect.objectContaining({ code: 'NON_CANONICAL_VALUE' }),
    );
  });
});

// --- generated histories ----------------------------------------------------------------------------

type Intent =
  | { k: 'lww' | 'mv' | 'add' | 'rem'; field: string; value: Value }
  | { k: 'inc'; field: string; by: number }
  | { k: 'mset'; field: string; key: string; value: Value }
  | { k: 'mdel'; field: string; key: string }
  | { k: 'frem'; field: string };

const fieldArb = fc.constantFrom('a', 'b', 'c'); // few names, so types and writers collide
const smallValue = fc.oneof(fc.constantFrom<Value>('x', 'y', 1, 2, null), valueArb);
const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  fc.record({ k: fc.constantFrom('lww', 'mv', 'add', 'rem' as const), field: fieldArb, value: smallValue }),
  fc.record({ k: fc.constant('inc' as const), field: fieldArb, by: fc.integer({ min: -5, max: 5 }) }),
  fc.record({
    k: fc.constant('mset' as const),
    field: fieldArb,
    key: fc.constantFrom('k1', 'k2'),
    value: smallValue,
  }),
  fc.record({ k: fc.constant('mdel' as const), field: fieldArb, key: fc.constantFrom('k1', 'k2') }),
  fc.record({ k: fc.constant('frem' as const), field: fieldArb }),
);

function mutationFor(i: Intent, doc: Document, origin: string): Mutation {
  switch (i.k) {
    case 'lww':
      return prepareLwwSet(doc, i.field, i.value);
    case 'mv':
      return prepareMvSet(doc, i.field, i.value);
    case 'add':
      return prepareSetAdd(doc, i.field, i.value);
    case 'rem':
      return prepareSetRemove(doc, i.field, i.value);
    case 'inc':
      return prepareCounterAdd(doc, i.field, origin, i.by);
    case 'mset':
      return prepareMapSet(doc, i.field, i.key, i.value);
    case 'mdel':
      return prepareMapDelete(doc, i.field, i.key);
    case 'frem':
      return prepareFieldRemove(doc, i.field);
  }
}

type Step =
  | { t: 'write'; node: number; intent: Intent }
  | { t: 'deliver'; node: number; pick: number }
  | { t: 'tick'; node: number; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('write' as const), node: fc.nat({ max: 2 }), intent: intentArb }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('deliver' as const), node: fc.nat({ max: 2 }), pick: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('tick' as const),
      node: fc.nat({ max: 2 }),
      ms: fc.integer({ min: -2, max: 3 }),
    }),
  },
);

interface History {
  ops: Operation[];
  regions: Region[];
}

/** Three regions write and receive each other's events partially and out of order. */
const historyArb: fc.Arbitrary<History> = fc.array(stepArb, { minLength: 1, maxLength: 35 }).map((steps) => {
  const regions = NODES.map((n) => new Region(n));
  const ops: Operation[] = [];
  for (const s of steps) {
    const r = regions[s.node] as Region;
    if (s.t === 'write') ops.push(r.write((d) => mutationFor(s.intent, d, r.nodeId)));
    else if (s.t === 'deliver' && ops.length > 0) r.receive(ops[s.pick % ops.length] as Operation);
    else if (s.t === 'tick') r.wallMs += s.ms; // clocks drift and even step back
  }
  return { ops, regions };
});

describe('document: properties over generated histories', () => {
  it('any permutation of the events, with duplicates, yields the same digest', () => {
    const arb = historyArb.chain((h) => fc.tuple(fc.constant(h), permutationWithDuplicates(h.ops)));
    fc.assert(
      fc.property(arb, ([h, shuffled]) => {
        const expected = digest(fold(h.ops));
        expect(digest(fold(shuffled))).toBe(expected);
        // Every writer region, once it has received everything, agrees too.
        for (const r of h.regions) {
          for (const op of shuffled) r.receive(op);
          expect(digest(r.doc)).toBe(expected);
        }
      }),
    );
  });

  it('state merge of any two partial replicas equals applying the union of their events', () => {
    const arb = historyArb.chain((h) =>
      fc.tuple(
        fc.constant(h),
        fc.array(fc.constantFrom('a', 'b', 'both' as const), {
          minLength: h.ops.length,
          maxLength: h.ops.length,
        }),
        permutationWithDuplicates(h.ops),
      ),
    );
    fc.assert(
      fc.property(arb, ([h, where, order]) => {
        const pos = new Map(h.ops.map((op, i) => [op, i]));
        const inA = order.filter((op) => where[pos.get(op) as number] !== 'b');
        const inB = [...order].reverse().filter((op) => where[pos.get(op) as number] !== 'a');
        expect(digest(mergeDocuments(fold(inA), fold(inB)))).toBe(digest(fold(h.ops)));
      }),
    );
  });

  it('once every event has arrived the applied set and context are fully compacted', () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const doc = fold([...h.ops].reverse());
        for (const r of h.regions) {
          const range = doc.applied[r.nodeId];
          if (r.seq === 0) expect(range).toBeUndefined();
          else expect(range).toEqual({ hw: r.seq, ex: [] });
        }
        expect(same(doc.ctx, doc.applied)).toBe(true);
      }),
    );
  });

  describe('merge laws on documents', () => {
    // States: each writer's document at the end, plus replicas built from random subsets.
    const docs = historyArb.chain((h) =>
      fc
        .array(fc.subarray(h.ops), { minLength: 1, maxLength: 3 })
        .map((subsets) => [...h.regions.map((r) => r.doc), ...subsets.map((s) => fold([...s].reverse()))]),
    );
    describeMergeLaws(docs, mergeDocuments);
  });
});
