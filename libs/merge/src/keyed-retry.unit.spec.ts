import { canonicalEncode } from './canonical';
import { applyOp } from './apply';
import {
  documentEmpty,
  prepareCounterAdd,
  prepareLwwSet,
  prepareMapSet,
  readField,
  type Document,
  type Mutation,
  type Operation,
} from './document';

const K = 'k.0123456789abcdef0123456789abcdef';
const stamp = (wallMs: number, nodeId: string) => ({ wallMs, logical: 0, nodeId });
const op = (origin: string, seq: number, wallMs: number, m: Mutation): Operation =>
  ({ eventId: `${origin}:${seq}:${wallMs}`, origin, seq, hlc: stamp(wallMs, origin), ...m }) as Operation;

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}
const fold = (ops: Operation[]): Document => ops.reduce((d, o) => applyOp(d, o), documentEmpty());

// Given a keyed write stored twice (the original, whose outcome the client did not learn, and its
// retry elsewhere: same dot, own HLC and observed dots), and concurrent plain writes,
// when regions apply them in any order, then every region holds the same document.
describe('a keyed write stored twice (original and retry)', () => {
  const base = fold([op('us-east.a.0', 1, 1_000, prepareLwwSet(documentEmpty(), 'displayName', 'Old'))]);
  const original = op(K, 1, 2_000, prepareLwwSet(documentEmpty(), 'displayName', 'Ada'));
  const retry = op(K, 1, 4_000, prepareLwwSet(base, 'displayName', 'Ada')); // observed the old entry
  const between = op('eu.b.0', 1, 3_000, prepareLwwSet(documentEmpty(), 'displayName', 'Grace'));
  const first = op('us-east.a.0', 1, 1_000, prepareLwwSet(documentEmpty(), 'displayName', 'Old'));

  it('converges on registers whatever the order of arrival', () => {
    const results = new Set(
      permutations([first, original, retry, between]).map((p) => canonicalEncode(fold(p) as never)),
    );
    expect(results.size).toBe(1);
    // The retry (HLC 4000) is the keyed dot's entry everywhere: it beats Grace (3000).
    expect(readField(fold([first, original, retry, between]), 'displayName')?.lww).toBe('Ada');
  });

  it('converges on map entries whatever the order', () => {
    const o = op(K, 1, 2_000, prepareMapSet(documentEmpty(), 'preferences', 'theme', 'dark'));
    const r = op(K, 1, 4_000, prepareMapSet(documentEmpty(), 'preferences', 'theme', 'dark'));
    const w = op('eu.b.0', 1, 3_000, prepareMapSet(documentEmpty(), 'preferences', 'theme', 'light'));
    const results = new Set(permutations([o, r, w]).map((p) => canonicalEncode(fold(p) as never)));
    expect(results.size).toBe(1);
  });

  it('counts a keyed credit once, and an ordinary duplicate stays a no-op', () => {
    const o = op(K, 1, 2_000, prepareCounterAdd(documentEmpty(), 'credit', K, 500));
    const r = op(K, 1, 4_000, prepareCounterAdd(documentEmpty(), 'credit', K, 500));
    const other = op('eu.b.0', 1, 3_000, prepareCounterAdd(documentEmpty(), 'credit', 'eu.b.0', 300));
    for (const p of permutations([o, r, other])) expect(readField(fold(p), 'credit')?.counter).toBe(800);
    const d = fold([other]);
    expect(applyOp(d, other)).toBe(d);
  });
});
