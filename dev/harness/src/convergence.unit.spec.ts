import fc from 'fast-check';
import { profileModel } from '@meridian/domain';
import { applyOps } from '@meridian/merge';
import { checkConvergence, type Fold, type HarnessWrite, type Invariant } from './convergence';

// The harness against the profile model, and against deliberately broken rules: each broken one
// must be caught, or the harness proves nothing.
const writes: fc.Arbitrary<HarnessWrite> = fc.oneof(
  fc.record({
    event: fc.constant('ProfileFieldChanged'),
    input: fc.record({ field: fc.constant('email'), value: fc.constantFrom('a@x', 'b@x', 'c@x') }),
  }),
  fc.record({ event: fc.constant('TagAdded'), input: fc.record({ tag: fc.constantFrom('vip', 'new') }) }),
  fc.record({ event: fc.constant('TagRemoved'), input: fc.record({ tag: fc.constantFrom('vip', 'new') }) }),
  fc.record({
    event: fc.constant('CreditAdjusted'),
    input: fc.record({ amountCents: fc.integer({ min: -50, max: 100 }) }),
  }),
);

const creditIsTheSum: Invariant = (view, ws) => {
  const sum = ws
    .filter((w) => w.event === 'CreditAdjusted')
    .reduce((n, w) => n + (w.input.amountCents as number), 0);
  return (view.credit ?? 0) === sum || `credit ${view.credit}, adjustments sum to ${sum}`;
};

const RUNS = 200;

describe('convergence harness', () => {
  it('passes the profile model with its invariant', () => {
    const r = checkConvergence({
      model: profileModel,
      writes,
      invariants: { creditIsTheSum },
      numRuns: RUNS,
    });
    expect(r.numRuns).toBe(RUNS);
  });

  it('catches a projector that decides last-writer-wins by arrival instead of by HLC', () => {
    // The region-dependent decision of the review: the register's stamp taken at apply time.
    const byArrival = (): Fold => {
      const arrivals = new Map<number, number>();
      return (doc, ops, replica) => {
        const restamped = ops.map((op) => {
          if (op.kind !== 'lww.set') return op;
          const n = (arrivals.get(replica) ?? 0) + 1;
          arrivals.set(replica, n);
          return { ...op, hlc: { ...op.hlc, wallMs: n, logical: 0 } };
        });
        return applyOps(doc, restamped);
      };
    };
    expect(() =>
      checkConvergence({ model: profileModel, writes, makeFold: byArrival, numRuns: RUNS }),
    ).toThrow(/convergence: replica \d differs|idempotence|replay in write order/);
  });

  it('catches a counter that deduplicates by origin instead of by (origin, seq)', () => {
    const dedupByOrigin = (): Fold => {
      const seen = new Map<number, Set<string>>();
      return (doc, ops, replica) => {
        const s = seen.get(replica) ?? new Set<string>();
        seen.set(replica, s);
        const kept = ops.filter((op) => {
          if (op.kind !== 'counter.add') return true;
          if (s.has(op.origin)) return false;
          s.add(op.origin);
          return true;
        });
        return applyOps(doc, kept);
      };
    };
    expect(() =>
      checkConvergence({
        model: profileModel,
        writes,
        makeFold: dedupByOrigin,
        invariants: { creditIsTheSum },
        numRuns: RUNS,
      }),
    ).toThrow(/creditIsTheSum|convergence|idempotence/);
  });

  it('catches a hand-written mapping that publishes a counter delta where the merge wants totals', () => {
    const broken = {
      ...profileModel,
      toOperation: (e: Parameters<typeof profileModel.toOperation>[0]) => {
        const op = profileModel.toOperation(e);
        const ev = e as unknown as { amountCents?: number };
        return op.kind === 'counter.add' && ev.amountCents !== undefined
          ? { ...op, p: Math.max(ev.amountCents, 0), n: Math.max(-ev.amountCents, 0) }
          : op;
      },
    };
    expect(() => checkConvergence({ model: broken, writes, numRuns: RUNS })).toThrow(/round trip/);
  });

  it('finds the counterexample to an invariant a PN-counter cannot keep (never below zero)', () => {
    expect(() =>
      checkConvergence({
        model: profileModel,
        writes,
        invariants: { neverNegative: (view) => ((view.credit as number) ?? 0) >= 0 || 'credit below zero' },
        numRuns: RUNS,
      }),
    ).toThrow(/neverNegative/);
  });
});
