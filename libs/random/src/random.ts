/** mulberry32: a tiny seeded PRNG (uniform in [0, 1)), so a generated workload or fault schedule replays exactly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A delivery order as a log consumer sees it: each item swapped with one up to `window` - 1 places
 * later, then about `duplicateRate` of them delivered a second time at a random earlier point.
 * Shuffles `items` in place; returns the delivered sequence. Same `rand`, same sequence.
 */
export function reorderAndRedeliver<T>(
  items: T[],
  o: { window: number; duplicateRate: number },
  rand: () => number,
): T[] {
  for (let i = 0; i < items.length; i++) {
    const j = Math.min(items.length - 1, i + Math.floor(rand() * o.window));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  const out: T[] = [];
  for (const x of items) {
    out.push(x);
    if (rand() < o.duplicateRate) out.splice(Math.floor(rand() * out.length), 0, x);
  }
  return out;
}
