import type { AggregateDigest, ProjectionStore } from '@meridian/store';
import { ReadApiClient } from '@meridian/read-api';

export interface Difference {
  aggregateType: string;
  aggregateId: string;
  live?: string;
  rebuilt?: string;
}

export interface VerifyResult {
  match: boolean;
  live: string;
  rebuilt: string;
  differences: Difference[];
}

async function* pages(
  next: (after?: string) => Promise<{ items: readonly AggregateDigest[]; nextAfterId?: string | undefined }>,
) {
  let after: string | undefined;
  for (;;) {
    const p = await next(after);
    yield* p.items;
    if (!p.nextAfterId) return;
    after = p.nextAfterId;
  }
}

/**
 * Compares a rebuilt store with a live projector: whole-state digests, then per aggregate type, then
 * — where a type differs — a merge walk of both sides' per-aggregate digests (both paged in the same
 * byte order) naming every aggregate that is missing on one side or differs.
 */
export async function verifyAgainst(
  store: ProjectionStore,
  projectorUrl: string,
  /** The types to compare one by one when the whole-state digests differ (the models served). */
  aggregateTypes: readonly string[] = ['profile'],
): Promise<VerifyResult> {
  const client = new ReadApiClient(projectorUrl, { timeoutMs: 30_000 });
  const live = await client.digest();
  const rebuilt = await store.stateDigest();
  const differences: Difference[] = [];
  if (live.digest !== rebuilt.digest) {
    for (const type of aggregateTypes) {
      const l = await client.digest(type);
      if (l.digest === (await store.stateDigest(type)).digest) continue;
      const a = pages((after) => client.digests(type, { ...(after ? { after } : {}), limit: 1000 }));
      const b = pages((after) =>
        store.aggregateDigests(type, { ...(after ? { afterId: after } : {}), limit: 1000 }),
      );
      let x = await a.next();
      let y = await b.next();
      const cmp = (p: string, q: string) => Buffer.compare(Buffer.from(p), Buffer.from(q));
      while (!x.done || !y.done) {
        const c = x.done ? 1 : y.done ? -1 : cmp(x.value.aggregateId, y.value.aggregateId);
        if (c < 0 && !x.done) {
          differences.push({ aggregateType: type, aggregateId: x.value.aggregateId, live: x.value.digest });
          x = await a.next();
        } else if (c > 0 && !y.done) {
          differences.push({
            aggregateType: type,
            aggregateId: y.value.aggregateId,
            rebuilt: y.value.digest,
          });
          y = await b.next();
        } else if (!x.done && !y.done) {
          if (x.value.digest !== y.value.digest) {
            differences.push({
              aggregateType: type,
              aggregateId: x.value.aggregateId,
              live: x.value.digest,
              rebuilt: y.value.digest,
            });
          }
          x = await a.next();
          y = await b.next();
        }
      }
    }
  }
  return { match: live.digest === rebuilt.digest, live: live.digest, rebuilt: rebuilt.digest, differences };
}
