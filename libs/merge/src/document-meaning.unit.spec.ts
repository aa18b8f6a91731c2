/**
 * Properties on what a profile document MEANS, not only that replicas agree: the document used the
 * way `@meridian/domain`'s profile model uses it (credit and logins are counters, tags an add-wins
 * OR-set, displayName an LWW register), written by regions that restart under new origin ids, fed to
 * a projector in any order with duplicates. Each property compares the projector's view with an
 * oracle computed from the written events alone, never from merge state. Seeded: FC_SEED replays.
 */
import fc from 'fast-check';
import {
  applyOp,
  compareHlc,
  compareValues,
  documentEmpty,
  HybridLogicalClock,
  prepareCounterAdd,
  prepareLwwSet,
  prepareSetAdd,
  prepareSetRemove,
  readField,
  type Document,
  type Hlc,
  type Mutation,
  type Operation,
} from './index';
import { configureFastCheck, permutationWithDuplicates } from './fc-support.spec-helper';

configureFastCheck(__filename);

const REGIONS = ['eu-west', 'us-east', 'ap-south'] as const;
const TAGS = ['vip', 'beta', 'churned'] as const;
const NAMES = ['Ada', 'Grace', 'Edsger', ''] as const;

/**
 * A writer region as profile-service runs it: it applies its own event first, folds what it
 * receives, and on restart writes under a new origin id (a retired origin stays in every document).
 */
class Writer {
  doc: Document = documentEmpty();
  wallMs = 1_000;
  private incarnation = 1;
  private seq = 0;
  private clock: HybridLogicalClock;
  private highest: Hlc | undefined;

  constructor(readonly region: string) {
    this.clock = this.newClock();
  }

  get origin(): string {
    return `${this.region}.${this.incarnation}`;
  }

  write(mutation: (doc: Document, origin: string) => Mutation): Operation {
    this.seq += 1;
    const hlc = this.clock.now();
    const op = {
      eventId: `${this.origin}/${this.seq}`,
      origin: this.origin,
      seq: this.seq,
      hlc,
      ...mutation(this.doc, this.origin),
    };
    this.apply(op);
    return op;
  }

  receive(op: Operation): void {
    this.clock.receive(op.hlc);
    this.apply(op);
  }

  /** A new process: new origin, seq from 1, its clock resumed past everything it has seen. */
  restart(): void {
    this.incarnation += 1;
    this.seq = 0;
    this.clock = this.newClock();
    if (this.highest) this.clock.restore(this.highest);
  }

  private apply(op: Operation): void {
    this.doc = applyOp(this.doc, op);
    if (this.highest === undefined || compareHlc(op.hlc, this.highest) > 0) this.highest = op.hlc;
  }

  private newClock(): HybridLogicalClock {
    return new HybridLogicalClock({
      nodeId: this.origin,
      wallClockMs: () => this.wallMs,
      maxForwardSkewMs: 1e9,
    });
  }
}

/** What was written, with what the oracles need that the event does not carry (the credit amount). */
interface Written {
  readonly op: Operation;
  readonly amount?: number;
}

type Step =
  | { t: 'credit'; w: number; amount: number }
  | { t: 'login'; w: number }
  | { t: 'tagAdd' | 'tagRemove'; w: number; tag: string }
  | { t: 'name'; w: number; value: string }
  | { t: 'deliver'; w: number; pick: number }
  | { t: 'tick'; w: number; ms: number }
  | { t: 'restart'; w: number };

const w = fc.nat({ max: REGIONS.length - 1 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('credit' as const),
      w,
      amount: fc.integer({ min: -500, max: 500 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('login' as const), w }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constantFrom('tagAdd' as const, 'tagRemove' as const),
      w,
      tag: fc.constantFrom(...TAGS),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('name' as const), w, value: fc.constantFrom(...NAMES) }),
  },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('deliver' as const), w, pick: fc.nat() }) },
  // Wall clocks start equal and drift, even backwards: equal (wallMs, logical) stamps happen.
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('tick' as const), w, ms: fc.integer({ min: -2, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const), w }) },
);

function run(steps: readonly Step[]): Written[] {
  const writers = REGIONS.map((r) => new Writer(r));
  const log: Written[] = [];
  for (const s of steps) {
    const x = writers[s.w] as Writer;
    switch (s.t) {
      case 'credit': // profileSteps.adjustCredit
        log.push({ op: x.write((v, o) => prepareCounterAdd(v, 'credit', o, s.amount)), amount: s.amount });
        break;
      case 'login': // profileSteps.recordLogin
        log.push({ op: x.write((v, o) => prepareCounterAdd(v, 'logins', o, 1)) });
        break;
      case 'tagAdd': // profileSteps.addTag / removeTag
        log.push({ op: x.write((v) => prepareSetAdd(v, 'tags', s.tag)) });
        break;
      case 'tagRemove':
        log.push({ op: x.write((v) => prepareSetRemove(v, 'tags', s.tag)) });
        break;
      case 'name': // profileSteps.setField('displayName', ...)
        log.push({ op: x.write((v) => prepareLwwSet(v, 'displayName', s.value)) });
        break;
      case 'deliver': {
        // Mirroring is per topic and lagging: a region sees any subset, in any order.
        const e = log.length > 0 ? log[s.pick % log.length] : undefined;
        if (e) x.receive(e.op);
        break;
      }
      case 'tick':
        x.wallMs = Math.max(0, x.wallMs + s.ms);
        break;
      case 'restart':
        x.restart();
        break;
    }
  }
  return log;
}

/** A history, and the order (with duplicates) in which one projector receives it. */
const scenarioArb = fc
  .array(stepArb, { minLength: 1, maxLength: 40 })
  .map(run)
  .chain((log) => fc.tuple(fc.constant(log), permutationWithDuplicates(log.map((e) => e.op))));

function project(arrivals: readonly Operation[]): Document {
  return arrivals.reduce((d, op) => applyOp(d, op), documentEmpty());
}

const dotOf = (op: Operation): string => `${op.origin}:${op.seq}`;

/**
 * The OR-set rule from the events alone: an add of `tag` is removed only by a remove that saw it,
 * directly or through later adds of the same tag that saw it (a writer's add replaces the instances
 * it saw). So the tag is present iff some add of it reaches no remove along "was seen by" edges.
 */
function expectedTags(log: readonly Written[]): string[] {
  const present: string[] = [];
  for (const tag of TAGS) {
    const ops = log
      .map((e) => e.op)
      .filter(
        (op) =>
          (op.kind === 'set.add' || op.kind === 'set.remove') && op.field === 'tags' && op.value === tag,
      );
    const seenBy = new Map<string, Operation[]>();
    for (const op of ops) for (const d of op.observed) seenBy.set(d, [...(seenBy.get(d) ?? []), op]);
    const reachesRemove = (op: Operation, visited: Set<string>): boolean =>
      (seenBy.get(dotOf(op)) ?? []).some((x) => {
        if (x.kind === 'set.remove') return true;
        if (visited.has(dotOf(x))) return false;
        visited.add(dotOf(x));
        return reachesRemove(x, visited);
      });
    if (ops.some((op) => op.kind === 'set.add' && !reachesRemove(op, new Set()))) present.push(tag);
  }
  return present.sort();
}

describe('profile document: meaning', () => {
  it('credit equals the sum of every adjustment, and logins their count (reorder, duplicates, restarts)', () => {
    fc.assert(
      fc.property(scenarioArb, ([log, arrivals]) => {
        const doc = project(arrivals);
        const credits = log.filter((e) => e.op.kind === 'counter.add' && e.op.field === 'credit');
        const logins = log.filter((e) => e.op.kind === 'counter.add' && e.op.field === 'logins');
        const sum = credits.reduce((n, e) => n + (e.amount as number), 0);
        expect(readField(doc, 'credit')?.counter ?? 0).toBe(sum);
        expect(readField(doc, 'logins')?.counter ?? 0).toBe(logins.length);
      }),
    );
  });

  it('a tag is present iff some add of it was never seen by a remove: adds win over concurrent removes', () => {
    fc.assert(
      fc.property(scenarioArb, ([log, arrivals]) => {
        expect(readField(project(arrivals), 'tags')?.set ?? []).toEqual(expectedTags(log));
      }),
    );
  });

  it('a concurrent add and remove of the same tag, in any order and with duplicates, leave the tag', () => {
    const arb = fc
      .tuple(
        fc.array(stepArb, { maxLength: 20 }),
        fc.constantFrom(...TAGS),
        fc.boolean(), // which writer removes
        fc.boolean(), // which writer made the first add
      )
      .map(([prefix, tag, aRemoves, aAddedFirst]) => {
        const log = run(prefix).map((e) => e.op);
        // Two more writers that have both seen the whole prefix and a first add of the tag...
        const a = new Writer('eu-north');
        const b = new Writer('us-west');
        for (const op of log) [a, b].forEach((x) => x.receive(op));
        const first = (aAddedFirst ? a : b).write((v) => prepareSetAdd(v, 'tags', tag));
        [a, b].forEach((x) => x.receive(first));
        // ...then one removes the tag while the other, not having seen that remove, adds it again.
        const [remover, adder] = aRemoves ? [a, b] : [b, a];
        const remove = remover.write((v) => prepareSetRemove(v, 'tags', tag));
        const add = adder.write((v) => prepareSetAdd(v, 'tags', tag));
        // Control: a second remove by the remover once it has seen that add.
        remover.receive(add);
        const seenRemove = remover.write((v) => prepareSetRemove(v, 'tags', tag));
        return { tag, all: [...log, first, remove, add], seenRemove };
      })
      .chain((x) => fc.tuple(fc.constant(x), permutationWithDuplicates(x.all)));
    fc.assert(
      fc.property(arb, ([{ tag, all, seenRemove }, order]) => {
        expect(readField(project(order), 'tags')?.set).toContain(tag);
        // The remove that saw the add wins over it, wherever it lands in the order.
        expect(readField(project([seenRemove, ...order]), 'tags')?.set ?? []).not.toContain(tag);
        expect(readField(project([...all, seenRemove]), 'tags')?.set ?? []).not.toContain(tag);
      }),
    );
  });

  it('displayName is the value of the write with the highest (HLC, value), whatever the arrival order', () => {
    fc.assert(
      fc.property(scenarioArb, ([log, arrivals]) => {
        const writes = log
          .map((e) => e.op)
          .filter((op): op is Operation & { kind: 'lww.set' } => op.kind === 'lww.set');
        const best = writes.reduce<(typeof writes)[number] | undefined>(
          (m, op) =>
            m === undefined || (compareHlc(op.hlc, m.hlc) || compareValues(op.value, m.value)) > 0 ? op : m,
          undefined,
        );
        expect(readField(project(arrivals), 'displayName')?.lww).toEqual(best?.value);
      }),
    );
  });

  it('equal wall time and logical counter: the node id breaks the tie, in either arrival order', () => {
    const eu = new Writer('eu-west');
    const us = new Writer('us-east');
    const a = eu.write((v) => prepareLwwSet(v, 'displayName', 'zzz from eu'));
    const b = us.write((v) => prepareLwwSet(v, 'displayName', 'aaa from us'));
    expect([a.hlc.wallMs, a.hlc.logical]).toEqual([b.hlc.wallMs, b.hlc.logical]);
    // 'us-east.1' > 'eu-west.1': the node id decides, not the value and not the arrival order.
    expect(readField(project([a, b]), 'displayName')?.lww).toBe('aaa from us');
    expect(readField(project([b, a, b]), 'displayName')?.lww).toBe('aaa from us');
  });
});
