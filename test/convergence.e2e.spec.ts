/**
 * Convergence on the active-active topology: concurrent, conflicting writes to the same aggregates
 * through profile-service in all three regions (same fields, same counters, add/remove races on the
 * same set elements and map keys). After the writers stop and mirroring catches up, the three
 * projectors report equal digests, and counters equal the exact sum of the acknowledged adjustments.
 */
import { LOCAL_APPS, uniqueName, waitFor } from '@meridian/testing';
import { seededRandom } from './support/seeded';

const REGIONS = LOCAL_APPS;
type Region = keyof typeof REGIONS;

interface Expected {
  credit: number;
  logins: number;
}

async function send(base: string, method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  await res.arrayBuffer();
  return res.status;
}

async function view(region: Region, id: string) {
  const res = await fetch(`${REGIONS[region].projector}/aggregates/profile/${id}`);
  if (res.status === 404) return undefined;
  return (await res.json()) as {
    digest: string;
    state: Record<string, { counter?: number; set?: string[] }>;
  };
}

describe('convergence of concurrent conflicting writes in three regions', () => {
  it('reaches equal digests everywhere and exact counter sums', async () => {
    const random = seededRandom('convergence').next;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const profiles = Array.from({ length: 4 }, () => uniqueName('conv'));
    const expected = new Map<string, Expected>(profiles.map((p) => [p, { credit: 0, logins: 0 }]));
    const OPS_PER_REGION = 80;

    // Each region's schedule is drawn up front from the one seed, then all three run concurrently.
    const schedules = (Object.keys(REGIONS) as Region[]).map((region) =>
      Array.from({ length: OPS_PER_REGION }, () => {
        const id = pick(profiles);
        const kind = pick([
          'name',
          'credit',
          'login',
          'tagAdd',
          'tagRemove',
          'prefSet',
          'prefRemove',
          'fav',
        ] as const);
        const amount = (Math.floor(random() * 19) - 9 || 1) * 100;
        const tag = pick(['a', 'b', 'c']);
        const key = pick(['theme', 'lang']);
        const value = `${region}-${Math.floor(random() * 1000)}`;
        return { region, id, kind, amount, tag, key, value };
      }),
    );
    let acknowledged = 0;
    let refused = 0;
    await Promise.all(
      schedules.map(async (ops) => {
        for (const op of ops) {
          const base = REGIONS[op.region].service;
          const p = `/profiles/${op.id}`;
          let status: number;
          switch (op.kind) {
            case 'name':
              status = await send(base, 'PATCH', p, { displayName: op.value });
              break;
            case 'credit':
              status = await send(base, 'POST', `${p}/credit`, { amountCents: op.amount });
              if (status === 200) expected.get(op.id)!.credit += op.amount;
              break;
            case 'login':
              status = await send(base, 'POST', `${p}/logins`);
              if (status === 200) expected.get(op.id)!.logins += 1;
              break;
            case 'tagAdd':
              status = await send(base, 'POST', `${p}/tags`, { tag: op.tag });
              break;
            case 'tagRemove':
              status = await send(base, 'DELETE', `${p}/tags/${op.tag}`);
              break;
            case 'prefSet':
              status = await send(base, 'PUT', `${p}/preferences/${op.key}`, { value: op.value });
              break;
            case 'prefRemove':
              status = await send(base, 'DELETE', `${p}/preferences/${op.key}`);
              break;
            case 'fav':
              status = await send(base, 'POST', `${p}/favourites`, { itemId: op.tag });
              break;
          }
          if (status === 200) acknowledged++;
          else refused++;
        }
      }),
    );
    console.log(`[convergence] ${acknowledged} writes acknowledged, ${refused} refused`);
    expect(refused).toBe(0);

    const regions = Object.keys(REGIONS) as Region[];
    const t0 = Date.now();
    await waitFor(
      async () => {
        for (const id of profiles) {
          const views = await Promise.all(regions.map((r) => view(r, id)));
          if (views.some((v) => v === undefined)) return false;
          if (new Set(views.map((v) => v!.digest)).size !== 1) return false;
          const exp = expected.get(id)!;
          if ((views[0]!.state.credit?.counter ?? 0) !== exp.credit) return false;
          if ((views[0]!.state.logins?.counter ?? 0) !== exp.logins) return false;
        }
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 250, description: 'every region to agree on every profile' },
    ).catch(async (e: unknown) => {
      for (const id of profiles) {
        const views = await Promise.all(regions.map((r) => view(r, id)));
        console.log(
          id,
          JSON.stringify(expected.get(id)),
          JSON.stringify(views.map((v) => v?.digest.slice(0, 12))),
        );
      }
      throw e;
    });
    console.log(`[convergence] all regions agree ${Date.now() - t0} ms after the writers stopped`);

    // And the whole state (every aggregate of every test so far) agrees too.
    await waitFor(
      async () => {
        const digests = await Promise.all(
          regions.map(
            async (r) =>
              ((await (await fetch(`${REGIONS[r].projector}/digest`)).json()) as { digest: string }).digest,
          ),
        );
        return new Set(digests).size === 1;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'equal whole-state digests' },
    );
  });
});
