// Child process of sqlite.crash.unit.spec.ts: commits batches forever until it is SIGKILLed.
// Batch n writes `crash/latest` = n, `crash/slot-(n % 20)` = n, counters.applied += 1 and moves
// the position from n - 1 to n, resuming from whatever the store says. Named `*.spec.ts` so the
// build leaves it out; jest does not run it (it has no tests).
import { digest } from '@meridian/merge';
import { SqliteProjectionStore } from './sqlite.store';
import type { StoredDocument } from './store';

export const SLOTS = 20;

function doc(aggregateId: string, state: unknown): StoredDocument {
  return { aggregateType: 'crash', aggregateId, state, digest: digest(state), updatedAtMs: Date.now() };
}

async function main(file: string): Promise<void> {
  const store = new SqliteProjectionStore({ kind: 'sqlite', file });
  await store.init();
  const [p] = await store.positions();
  let n = p ? Number(p.nextOffset) : 0;
  process.send?.({ ready: n });
  for (;;) {
    const from = n;
    n += 1;
    await store.commit({
      documents: [doc('latest', { n }), doc(`slot-${n % SLOTS}`, { n, pad: 'x'.repeat(2_000) })],
      positions: [
        {
          topic: 'meridian.profile',
          partition: 0,
          nextOffset: String(n),
          expectedNextOffset: from === 0 ? null : String(from),
          sourceRegion: 'us-east',
          appliedAtMs: Date.now(),
        },
      ],
      counters: { applied: 1 },
    });
    process.send?.({ committed: n });
  }
}

if (require.main === module) {
  main(process.argv[2] as string).catch((e: unknown) => {
    process.stderr.write(`crash-writer: ${String(e)}\n`);
    process.exit(2);
  });
}
