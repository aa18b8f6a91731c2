// Shared fast-check setup and arbitraries for the merge unit tests. Named `*.spec.ts` so the build
// (tsconfig.build.json excludes **/*.spec.ts) leaves it out; jest only runs `*.unit.spec.ts`.
import { basename } from 'node:path';
import fc from 'fast-check';
import { canonicalEncode, digest, type Hlc, type Value } from './index';

export const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 2000);

/** Seeds fast-check from FC_SEED (or a random seed) and prints it so any failure can be replayed. */
export function configureFastCheck(file: string): number {
  const fromEnv = process.env.FC_SEED;
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : (Math.random() * 2 ** 31) | 0;
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${fromEnv}`);
  fc.configureGlobal({ seed, numRuns: NUM_RUNS });
  console.log(
    `[fast-check] ${basename(file)}: seed=${seed} numRuns=${NUM_RUNS} (replay with FC_SEED=${seed})`,
  );
  return seed;
}

export const nodeIdArb = fc.constantFrom('eu-west', 'us-east', 'ap-south');

/** Small domains on purpose: ties and collisions are where merge rules go wrong. */
export const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom('x', 'y', '', 'é', '\ud83d\ude00'),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -5n, max: 5n }),
  fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
  fc.dictionary(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 2 }), { maxKeys: 2 }),
);

export const hlcArb: fc.Arbitrary<Hlc> = fc.record({
  wallMs: fc.nat({ max: 4 }),
  logical: fc.nat({ max: 2 }),
  nodeId: nodeIdArb,
});

export const same = (a: unknown, b: unknown): boolean => canonicalEncode(a) === canonicalEncode(b);

/** A list of items plus a shuffled multiset of its indices: every index at least once, some twice. */
export function permutationWithDuplicates<T>(items: readonly T[]): fc.Arbitrary<T[]> {
  const indices = items.map((_, i) => i);
  if (items.length === 0) return fc.constant([]);
  return fc
    .array(fc.nat({ max: items.length - 1 }), { maxLength: Math.ceil(items.length / 2) })
    .chain((dups) => {
      const all = [...indices, ...dups];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    })
    .map((order) => order.map((i) => items[i] as T));
}

/**
 * Simulates replicas doing local updates and pairwise merges; returns every state produced, which
 * are all reachable states (the laws are only meant to hold for those).
 */
export function reachableStates<S, Op>(
  opArb: fc.Arbitrary<Op>,
  empty: S,
  update: (s: S, op: Op, replica: number) => S,
  merge: (a: S, b: S) => S,
  replicas = 3,
): fc.Arbitrary<S[]> {
  const step = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ t: fc.constant('op' as const), r: fc.nat({ max: replicas - 1 }), op: opArb }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('merge' as const),
        r: fc.nat({ max: replicas - 1 }),
        from: fc.nat({ max: replicas - 1 }),
      }),
    },
  );
  return fc.array(step, { maxLength: 25 }).map((steps) => {
    const states: S[] = Array.from({ length: replicas }, () => empty);
    const seen: S[] = [...states];
    for (const s of steps) {
      const cur = states[s.r] as S;
      states[s.r] = s.t === 'op' ? update(cur, s.op, s.r) : merge(cur, states[s.from] as S);
      seen.push(states[s.r] as S);
    }
    return seen;
  });
}

/** Registers the semilattice laws and order-insensitive convergence for a state-based type. */
export function describeMergeLaws<S>(statesArb: fc.Arbitrary<S[]>, merge: (a: S, b: S) => S): void {
  const pick3 = statesArb.chain((ss) =>
    fc.tuple(fc.constantFrom(...ss), fc.constantFrom(...ss), fc.constantFrom(...ss)),
  );

  it('merge is commutative', () => {
    fc.assert(fc.property(pick3, ([a, b]) => same(merge(a, b), merge(b, a))));
  });

  it('merge is associative', () => {
    fc.assert(fc.property(pick3, ([a, b, c]) => same(merge(merge(a, b), c), merge(a, merge(b, c)))));
  });

  it('merge is idempotent', () => {
    fc.assert(
      fc.property(pick3, ([a, b]) => same(merge(a, a), a) && same(merge(merge(a, b), b), merge(a, b))),
    );
  });

  it('any permutation of the history, with duplicates, folds to the same digest', () => {
    const arb = statesArb.chain((ss) => fc.tuple(fc.constant(ss), permutationWithDuplicates(ss)));
    fc.assert(
      fc.property(arb, ([ss, shuffled]) => {
        const [first, ...rest] = ss;
        const [sFirst, ...sRest] = shuffled;
        const inOrder = rest.reduce(merge, first as S);
        return digest(sRest.reduce(merge, sFirst as S)) === digest(inOrder);
      }),
    );
  });
}
