/**
 * Replay and recovery against the real topology: rebuild us-east's state from us-west after
 * us-east's broker died and its data was deleted; point-in-time state by HLC; --verify; exports.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileDecoder } from 'avsc';
import type { MeridianEvent } from '@meridian/contract';
import { findRepoRoot } from '@meridian/topology';
import { LocalPaths } from '@meridian/local';
import { loadModels } from '@meridian/domain';
import { replay, verifyAgainst } from '@meridian/replay';
import { createProjectionStore } from '@meridian/store';
import {
  LOCAL_APPS,
  LOCAL_PROJECTORS,
  localKafka,
  localRegionEnv,
  meridian,
  SHIPPED_TOPOLOGY,
  uniqueName,
  waitFor,
} from '@meridian/testing';

const root = join(__dirname, '..');
const SERVICE = {
  'us-east': LOCAL_APPS['us-east'].service,
  'us-west': LOCAL_APPS['us-west'].service,
  eu: LOCAL_APPS.eu.service,
};
const PROJECTOR = LOCAL_PROJECTORS;
/** What replay needs of the region it reads: its brokers and registry. */
const { REGION, KAFKA_BROKERS, REGISTRY_URL } = localRegionEnv('us-west');
// Folded with the models the live projectors serve (the shipped topology's), as `meridian replay` does.
const US_WEST = {
  region: REGION,
  brokers: KAFKA_BROKERS,
  registryUrl: REGISTRY_URL,
  models: loadModels(SHIPPED_TOPOLOGY.models),
};

const digestOf = async (url: string) =>
  ((await (await fetch(`${url}/digest`)).json()) as { digest: string }).digest;
const post = async (url: string, body?: unknown) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.status).toBe(200);
};

/** Waits until the three projectors report one digest (mirroring and projection caught up). */
async function converged(): Promise<string> {
  return waitFor(
    async () => {
      const d = await Promise.all(Object.values(PROJECTOR).map(digestOf));
      return new Set(d).size === 1 ? d[0] : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250, description: 'the three regions to agree' },
  );
}

describe('replay and recovery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-replay-'));
  /** `meridian replay --verify` from us-west into a fresh SQLite file named `name`. */
  const verifyReplay = (name: string, ...extra: string[]) =>
    spawnSync(
      'node',
      [
        join(root, 'bin', 'meridian.js'),
        'replay',
        '--region',
        'us-west',
        '--store',
        `sqlite:${join(dir, `${name}.db`)}`,
        ...extra,
        '--verify',
        '--live-projector',
        PROJECTOR['us-west'],
        '--report',
        join(dir, `${name}.report`),
      ],
      { encoding: 'utf8' },
    );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rebuilds us-east's state from us-west after us-east's broker died and its data was deleted", async () => {
    const id = uniqueName('dr');
    for (const [region, url] of Object.entries(SERVICE))
      await post(`${url}/profiles/${id}/credit`, { amountCents: region.length * 100 });
    const usEastDigest = await converged();

    const data = new LocalPaths(findRepoRoot()).dataDir('us-east');
    const aside = `${data}.aside-${Date.now()}`;
    meridian('local', 'kill', 'us-east');
    renameSync(data, aside); // the region's data is gone
    try {
      expect(existsSync(data)).toBe(false);
      const summary = await replay({ ...US_WEST, store: { kind: 'sqlite', file: join(dir, 'dr.db') } });
      console.log(
        `[replay] rebuilt from us-west: ${summary.read} events, ${Math.round(summary.eventsPerSecond)} ev/s`,
      );
      expect(summary.digest.digest).toBe(usEastDigest);
    } finally {
      rmSync(data, { recursive: true, force: true });
      renameSync(aside, data);
      meridian('local', 'revive', 'us-east');
    }
  });

  it('--until gives the state as of a moment: the same digest twice, and not the final one', async () => {
    const id = uniqueName('pitr');
    await post(`${SERVICE['us-west']}/profiles/${id}/credit`, { amountCents: 100 });
    await converged();
    const until = Date.now();
    await waitFor(() => Date.now() > until + 5, { timeoutMs: 1000, description: 'the clock to move on' });
    await post(`${SERVICE['us-west']}/profiles/${id}/credit`, { amountCents: 250 });
    await converged();
    const at = (n: number) =>
      replay({ ...US_WEST, store: { kind: 'sqlite', file: join(dir, `pitr-${n}.db`) }, untilMs: until });
    const [a, b] = [await at(1), await at(2)];
    const final = await replay({ ...US_WEST, store: { kind: 'sqlite', file: join(dir, 'pitr-final.db') } });
    expect(a.digest.digest).toBe(b.digest.digest);
    expect(a.digest.digest).not.toBe(final.digest.digest);
    const s = createProjectionStore({ kind: 'sqlite', file: join(dir, 'pitr-1.db') });
    await s.init();
    const doc = await s.getDocument('profile', id);
    await s.close();
    expect(JSON.stringify(doc?.state)).toContain('"p":100');
    expect(JSON.stringify(doc?.state)).not.toContain('"p":350');
  });

  it('--verify exits 0 on a match and non-zero naming the aggregates that differ', async () => {
    // At least two aggregates, so that a replay of one of them cannot equal the whole live state.
    for (const id of [uniqueName('verify'), uniqueName('verify')])
      await post(`${SERVICE['us-west']}/profiles/${id}/logins`);
    await converged();
    const ok = verifyReplay('v-ok');
    expect(ok.stdout).toContain('verify: matches');
    expect(ok.status).toBe(0);

    // Plant a difference in a rebuilt store: one aggregate's state changed.
    const store = createProjectionStore({ kind: 'sqlite', file: join(dir, 'v-ok.db') });
    await store.init();
    const page = await store.aggregateDigests('profile', { limit: 1 });
    const victim = page.items[0]!.aggregateId;
    const doc = (await store.getDocument('profile', victim))!;
    await store.commit({
      documents: [
        {
          aggregateType: 'profile',
          aggregateId: victim,
          state: { ...(doc.state as object), planted: 1 },
          updatedAtMs: 1,
        },
      ],
      positions: [],
    });
    const res = await verifyAgainst(store, PROJECTOR['us-west'], US_WEST.models.aggregateTypes);
    await store.close();
    expect(res.match).toBe(false);
    expect(res.differences.map((d) => d.aggregateId)).toEqual([victim]);

    // Through the CLI: a replay of one aggregate differs from the live state; exit 1, naming aggregates.
    const bad = verifyReplay('v-bad', '--ids', victim);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('verify: DIFFERS');
    expect(bad.stdout).toMatch(/profile\/\S+: live [0-9a-f]{64} rebuilt absent/);
  });

  it('exports NDJSON and Avro container files that read back equal to the originals', async () => {
    const id = uniqueName('export');
    await post(`${SERVICE.eu}/profiles/${id}/tags`, { tag: 'analyst' });
    await post(`${SERVICE.eu}/profiles/${id}/credit`, { amountCents: -42 });
    await converged();
    const ndjson = join(dir, 'events.ndjson');
    const avroDir = join(dir, 'avro');
    await replay({
      ...US_WEST,
      store: { kind: 'sqlite', file: join(dir, 'x.db') },
      aggregateIds: [id],
      exportNdjson: ndjson,
      exportAvroDir: avroDir,
    });
    const lines = readFileSync(ndjson, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MeridianEvent & { _source: unknown });
    expect(lines.map((e) => e.type)).toEqual([
      'io.meridian.profile.v1.TagAdded',
      'io.meridian.profile.v1.CreditAdjusted',
    ]);
    const fromAvro = async (file: string) =>
      new Promise<unknown[]>((resolve, reject) => {
        const out: unknown[] = [];
        createFileDecoder(file)
          .on('data', (r: unknown) => out.push(r))
          .on('end', () => resolve(out))
          .on('error', reject);
      });
    for (const e of lines) {
      const [rec] = await fromAvro(join(avroDir, `${e.type}.avro`));
      const { type: _t, _source: _s, ...original } = e;
      expect(JSON.parse(JSON.stringify(rec))).toEqual(original);
    }
  });

  it('refuses a non-empty target, and --in-place while the live projector answers; bad history is reported, fatal only with strict', async () => {
    const file = join(dir, 'guard.db');
    const report = join(dir, 'guard.report');
    // Bad history: one record that is not in the Confluent wire format.
    const producer = localKafka('us-west').producer();
    await producer.connect();
    await producer.send({
      topic: 'meridian.profile',
      acks: -1,
      messages: [{ key: uniqueName('junk'), value: '{"not":"avro"}' }],
    });
    await producer.disconnect();
    const first = await replay({ ...US_WEST, store: { kind: 'sqlite', file }, reportFile: report });
    // The shared history holds the poison records the projector tests planted: reported, not fatal.
    const lines = readFileSync(report, 'utf8').trim().split('\n');
    expect(first.deadLettered).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBe(first.deadLettered);
    expect(lines.map((l) => (JSON.parse(l) as { code: string }).code)).toContain('BAD_MAGIC_BYTE');
    for (const l of lines)
      expect(JSON.parse(l)).toEqual(
        expect.objectContaining({ code: expect.any(String), offset: expect.any(String) }),
      );

    await expect(replay({ ...US_WEST, store: { kind: 'sqlite', file } })).rejects.toMatchObject({
      code: 'TARGET_NOT_EMPTY',
    });
    // A projector holding the store (its writer lock): an in-place rebuild is refused, nothing truncated.
    const live = createProjectionStore({ kind: 'sqlite', file });
    await live.init();
    try {
      await expect(
        replay({
          ...US_WEST,
          store: { kind: 'sqlite', file },
          inPlace: { liveProjectorUrl: PROJECTOR['us-west'] },
        }),
      ).rejects.toMatchObject({ name: 'ReplayError', code: 'LIVE_PROJECTOR_RUNNING' });
    } finally {
      await live.close();
    }
    if (first.deadLettered > 0) {
      await expect(
        replay({ ...US_WEST, store: { kind: 'sqlite', file: join(dir, 'strict.db') }, strict: true }),
      ).rejects.toMatchObject({
        code: 'STRICT_POISON',
      });
    }
  });
});
