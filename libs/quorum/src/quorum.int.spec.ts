// Long on purpose: every Phase A leadership guarantee against one real etcd cluster, which the cases share.
/**
 * Phase A write leadership against a REAL 3-member etcd cluster (one member per region, each region's
 * clients talking only to their own member), started by the test on ports 22300–22305.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { EtcdCluster, uniqueName, waitFor } from '@meridian/testing';
import {
  type DrainResult,
  failover,
  FailoverController,
  type PromotionEvent,
  initDesignation,
  KEYS,
  Quorum,
  QuorumError,
  readDesignation,
  WriterLease,
} from './index';

const REGIONS = ['us-east', 'us-west', 'eu'] as const;
type Region = (typeof REGIONS)[number];
const TTL_S = 2;
const MARGIN_MS = 250;
const log = pino({ level: process.env.QUORUM_TEST_LOG ?? 'silent' });

let cluster: EtcdCluster;

beforeAll(async () => {
  cluster = await EtcdCluster.start({ basePort: 22300, label: 'quorum' });
});

afterAll(async () => {
  await cluster?.stop();
});

/** One test's world: a fresh namespace, a quorum client per region (to its own member only). */
class World {
  readonly namespace = `/meridian/${uniqueName('quorum-test')}/`;
  readonly quorums = new Map<Region, Quorum>();
  readonly writers: WriterLease[] = [];
  readonly controllers: FailoverController[] = [];
  private readonly extra: Quorum[] = [];

  quorum(region: Region): Quorum {
    let q = this.quorums.get(region);
    if (!q) {
      q = this.newQuorum(region);
      this.quorums.set(region, q);
    }
    return q;
  }

  /** A separate client (its own connection) to a region's member, e.g. to crash it alone. */
  newQuorum(region: Region): Quorum {
    const q = new Quorum({
      hosts: cluster.clientUrl(region),
      namespace: this.namespace,
      regions: REGIONS,
      callTimeoutMs: 500,
      logger: log,
    });
    this.extra.push(q);
    return q;
  }

  async writer(region: Region, instanceId = `${region}-w1`): Promise<WriterLease> {
    const w = new WriterLease(this.quorum(region), {
      region,
      instanceId,
      ttlSeconds: TTL_S,
      safetyMarginMs: MARGIN_MS,
      logger: log,
    });
    this.writers.push(w);
    await w.start();
    return w;
  }

  controller(region: Region, q = this.quorum(region), failAfterMs = 1000): FailoverController {
    const c = new FailoverController(q, {
      region,
      order: ['us-west', 'eu', 'us-east'],
      failAfterMs,
      electionTtlSeconds: TTL_S,
      pollIntervalMs: 100,
      logger: log,
      metrics: new Registry(),
    });
    this.controllers.push(c);
    c.start();
    return c;
  }

  async close(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop()));
    await Promise.all(this.writers.map((w) => w.stop()));
    for (const q of this.extra) q.close();
  }
}

/**
 * Watches for the split-brain this library exists to rule out: writers of two or more regions
 * admitting writes at the same instant (several processes of the primary region admitting together is
 * normal). It checks every writer's `check()` every ~2 ms, and also at every admission change of any
 * writer — a writer only starts admitting inside a callback that reports the change, so together the
 * two cover every instant at which a second region could have started admitting.
 */
const runningSamplers = new Set<() => void>();

function sampler(writers: readonly WriterLease[]) {
  const violations: string[] = [];
  const timeline: string[] = [];
  let samples = 0;
  let changes = 0;
  let maxGapMs = 0;
  let lastKey = '';
  const t0 = performance.now();
  let lastAt = t0;
  const look = (why: string): void => {
    const at = performance.now();
    const accepting = writers.filter((w) => w.check().accepting);
    const key = accepting.map((w) => `${w.instanceId}@${w.epoch}`).join(',') || '(none)';
    if (key !== lastKey) {
      lastKey = key;
      timeline.push(`${Math.round(at - t0)} ms: ${key}`);
    }
    if (new Set(accepting.map((w) => w.region)).size > 1)
      violations.push(`${Math.round(at - t0)} ms (${why}): ${key}`);
  };
  const timer = setInterval(() => {
    const at = performance.now();
    maxGapMs = Math.max(maxGapMs, at - lastAt);
    lastAt = at;
    samples++;
    look('sample');
  }, 2);
  const unsubscribe = writers.map((w) =>
    w.onChange(() => {
      changes++;
      look(`change of ${w.instanceId}`);
    }),
  );
  const halt = (): void => {
    clearInterval(timer);
    unsubscribe.forEach((u) => u());
    runningSamplers.delete(halt);
  };
  runningSamplers.add(halt);
  return {
    get samples() {
      return samples;
    },
    stop() {
      halt();
      return { samples, changes, maxGapMs: Math.round(maxGapMs), violations, timeline };
    },
  };
}

const accepting = (w: WriterLease): boolean => w.check().accepting;
const reasonOf = (w: WriterLease): string => {
  const a = w.check();
  return a.accepting ? 'ACCEPTING' : a.reason;
};

async function membersOf(q: Quorum, region: Region) {
  return (await q.members(region)).members.map((m) => m.value);
}

describe('Phase A write leadership (real etcd)', () => {
  let world: World;
  const frozen = new Set<Region>();

  beforeEach(() => {
    world = new World();
  });

  afterEach(async () => {
    for (const halt of [...runningSamplers]) halt();
    for (const r of frozen) cluster.thaw(r);
    frozen.clear();
    await world.close();
    await cluster.waitHealthy();
  });

  it('admits writes only in the designated region', async () => {
    await initDesignation(world.quorum('us-east'), 'us-east');
    // Idempotent: a second init keeps the existing designation.
    const again = await initDesignation(world.quorum('eu'), 'eu');
    expect(again.value).toMatchObject({ region: 'us-east', epoch: 1, state: 'active' });

    const [east, west, eu] = await Promise.all(REGIONS.map((r) => world.writer(r)));
    await waitFor(() => accepting(east!), {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'us-east admitting',
    });
    expect(east!.check()).toEqual({ accepting: true, epoch: 1, role: 'primary' });
    // The standbys refuse all along; once they have read the designation, as NOT_PRIMARY.
    expect(accepting(west!) || accepting(eu!)).toBe(false);
    await waitFor(() => reasonOf(west!) === 'NOT_PRIMARY' && reasonOf(eu!) === 'NOT_PRIMARY', {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'standbys refusing as NOT_PRIMARY',
    });
    expect(west!.check()).toEqual({ accepting: false, reason: 'NOT_PRIMARY', epoch: 1, role: 'standby' });
    expect(eu!.check()).toEqual({ accepting: false, reason: 'NOT_PRIMARY', epoch: 1, role: 'standby' });

    // The member records say the same (read through another region's member).
    await waitFor(
      async () => {
        const all = (await world.quorum('eu').members()).members.map((m) => m.value);
        return (
          all.length === 3 && all.every((m) => m.accepting === (m.region === 'us-east') && m.epoch === 1)
        );
      },
      { timeoutMs: 5000, intervalMs: 50, description: 'member records: only us-east accepting, epoch 1' },
    );
    // Admission is stable across many keepalive rounds (no lapse between keepalives).
    const s = sampler([east!, west!, eu!]);
    let lapses = 0;
    const t = setInterval(() => (accepting(east!) ? undefined : lapses++), 2);
    await waitFor(() => s.samples >= 1000, {
      timeoutMs: 10_000,
      intervalMs: 50,
      description: '1000 samples',
    });
    clearInterval(t);
    const r = s.stop();
    expect(r.violations).toEqual([]);
    expect(lapses).toBe(0);

    // A stopped writer revokes its lease: its member key is gone at once.
    await west!.stop();
    expect(west!.check()).toMatchObject({ accepting: false, reason: 'STOPPED' });
    expect(await membersOf(world.quorum('us-east'), 'us-west')).toEqual([]);
  });

  it('fails over manually: fence, quiesce, drain, promote, confirm — never two primaries', async () => {
    await initDesignation(world.quorum('us-east'), 'us-east');
    const east = await world.writer('us-east');
    const east2 = await world.writer('us-east', 'us-east-w2');
    const west = await world.writer('us-west');
    const eu = await world.writer('eu');
    const all = [east, east2, west, eu];
    await waitFor(() => accepting(east) && accepting(east2), {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'us-east writers admitting',
    });
    const s = sampler(all);

    // Drained only on the third look: the runbook must keep asking.
    const drainCalls: { from: string; eastAccepting: boolean }[] = [];
    const drained = async (from: string): Promise<DrainResult> => {
      drainCalls.push({ from, eastAccepting: accepting(east) || accepting(east2) });
      return drainCalls.length >= 3
        ? { drained: true, detail: 'mirror lag 0' }
        : { drained: false, detail: `us-east → us-west: ${10 - drainCalls.length} records behind` };
    };
    const report = await failover(world.quorum('us-west'), {
      to: 'us-west',
      by: 'operator:test',
      reason: 'drill',
      ttlSeconds: TTL_S,
      drained,
      drainTimeoutMs: 10_000,
      drainPollMs: 100,
      confirmTimeoutMs: 10_000,
      log,
    });
    console.log(`manual failover report: ${JSON.stringify(report, null, 2)}`);

    expect(report).toMatchObject({
      from: 'us-east',
      to: 'us-west',
      fromEpoch: 1,
      toEpoch: 2,
      resumed: false,
    });
    expect(report.steps.quiesce.how).toBe('members-refused');
    expect(report.steps.drain).toMatchObject({ drained: true, attempts: 3 });
    expect(report.steps.confirm).toMatchObject({ confirmed: true, instanceId: 'us-west-w1' });
    expect(report.warnings).toEqual([]);
    // While draining, the old region was already refusing.
    expect(drainCalls.every((c) => c.from === 'us-east' && !c.eastAccepting)).toBe(true);

    expect(west.check()).toEqual({ accepting: true, epoch: 2, role: 'primary' });
    expect(east.check()).toMatchObject({ accepting: false, reason: 'NOT_PRIMARY', epoch: 2 });
    expect(east2.check()).toMatchObject({ accepting: false, reason: 'NOT_PRIMARY', epoch: 2 });
    expect(eu.check()).toMatchObject({ accepting: false, reason: 'NOT_PRIMARY', epoch: 2 });
    const d = await readDesignation(world.quorum('eu'));
    expect(d?.value).toMatchObject({
      region: 'us-west',
      epoch: 2,
      state: 'active',
      by: 'operator:test',
      reason: 'drill',
    });

    const r = s.stop();
    console.log(
      `manual failover: ${r.samples} samples (largest gap ${r.maxGapMs} ms), ${r.changes} admission changes; ` +
        `who admitted:\n  ${r.timeline.join('\n  ')}`,
    );
    expect(r.samples).toBeGreaterThan(20);
    expect(r.changes).toBeGreaterThanOrEqual(3);
    expect(r.violations).toEqual([]);
    // The sampler saw both sides of the switch (so it was sampling through it).
    expect(r.timeline[0]).toMatch(/us-east-w1@1/);
    expect(r.timeline[r.timeline.length - 1]).toMatch(/us-west-w1@2$/);
  });

  it('fails over manually while the old primary is cut off (its writer cannot hear the fence)', async () => {
    await initDesignation(world.quorum('us-east'), 'us-east');
    const writers = await Promise.all(REGIONS.map((r) => world.writer(r)));
    const [east, west] = writers as [WriterLease, WriterLease, WriterLease];
    await waitFor(() => accepting(east), {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'us-east admitting',
    });
    const s = sampler(writers);
    cluster.freeze('us-east');
    frozen.add('us-east');
    const report = await failover(world.quorum('us-west'), {
      to: 'us-west',
      by: 'operator:test',
      ttlSeconds: TTL_S,
      drained: async () => ({ drained: false, detail: 'us-east unreachable: 17 records not mirrored' }),
      drainTimeoutMs: 300,
      drainPollMs: 100,
      confirmTimeoutMs: 10_000,
      log,
    });
    console.log(
      `failover with the old primary cut off: ${JSON.stringify(report.steps)}; warnings ${report.warnings}`,
    );
    // The silent writer was waited out (its key expired, or the TTL passed), not trusted.
    expect(report.steps.quiesce.ms).toBeGreaterThan(500);
    expect(report.steps.drain).toMatchObject({
      drained: false,
      detail: 'us-east unreachable: 17 records not mirrored',
    });
    expect(report.warnings.join('\n')).toMatch(/at risk: us-east unreachable: 17 records not mirrored/);
    expect(report.steps.confirm.confirmed).toBe(true);
    // Confirmed from its member record, which a writer publishes just before it admits locally
    // (CI saw `STARTING` in that window): the promoted writer admits within moments.
    await waitFor(() => west.check().accepting, {
      timeoutMs: 2000,
      intervalMs: 10,
      description: 'us-west admitting at epoch 2',
    });
    expect(west.check()).toEqual({ accepting: true, epoch: 2, role: 'primary' });
    expect(accepting(east)).toBe(false);
    cluster.thaw('us-east');
    frozen.delete('us-east');
    await waitFor(() => reasonOf(east) === 'NOT_PRIMARY' && east.epoch === 2, {
      timeoutMs: 15_000,
      intervalMs: 20,
      description: 'us-east back and refusing at epoch 2',
    });
    const r = s.stop();
    console.log(
      `cut-off manual failover: ${r.samples} samples (largest gap ${r.maxGapMs} ms); who admitted:\n  ${r.timeline.join('\n  ')}`,
    );
    expect(r.violations).toEqual([]);
  });

  it('refuses a failover to an unknown region, to the primary, or to a region without live writers', async () => {
    const q = world.quorum('us-west');
    await initDesignation(q, 'us-east');
    await world.writer('us-east');
    const base = { by: 'operator:test', ttlSeconds: TTL_S, log };
    await expect(failover(q, { ...base, to: 'ap-south' })).rejects.toMatchObject({ code: 'UNKNOWN_REGION' });
    await expect(failover(q, { ...base, to: 'us-east' })).rejects.toMatchObject({ code: 'ALREADY_PRIMARY' });
    await expect(failover(q, { ...base, to: 'eu' })).rejects.toMatchObject({ code: 'NO_LIVE_MEMBER' });
    await expect(failover(q, { ...base, to: 'eu' })).rejects.toBeInstanceOf(QuorumError);
    // Nothing changed.
    expect((await readDesignation(q))?.value).toMatchObject({ region: 'us-east', epoch: 1, state: 'active' });
  });

  it('a writer whose etcd member freezes stops admitting before its lease can expire on the majority', async () => {
    await initDesignation(world.quorum('us-east'), 'us-east');
    const east = await world.writer('us-east');
    await waitFor(() => accepting(east), {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'us-east admitting',
    });
    const observer = world.quorum('us-west');
    await waitFor(async () => (await membersOf(observer, 'us-east')).length === 1, {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'member visible',
    });

    cluster.freeze('us-east');
    frozen.add('us-east');
    const frozenAt = performance.now();
    // Sample the writer every 1 ms until it refuses; then watch the majority for its member key.
    // Sample every 1 ms, remembering the send times the writer last relied on while it admitted.
    let lastAckSentAt = NaN;
    let lastReadSentAt = NaN;
    const refusedAt = await waitFor(
      () => {
        const st = east.status();
        if (st.admission.accepting) {
          lastAckSentAt = st.leaseAckSentAt!;
          lastReadSentAt = st.designationReadSentAt!;
          return undefined;
        }
        return performance.now();
      },
      { timeoutMs: TTL_S * 1000 + 1000, intervalMs: 1, description: 'us-east writer refusing' },
    );
    const gonePolls: number[] = [];
    const expiredAt = await waitFor(
      async () => {
        const m = await membersOf(observer, 'us-east');
        gonePolls.push(m.length);
        return m.length === 0 ? performance.now() : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 5, description: 'us-east member expired on the majority' },
    );
    const admissionEnd = Math.min(lastAckSentAt, lastReadSentAt) + TTL_S * 1000 - MARGIN_MS;
    console.log(
      `frozen member: writer refused ${Math.round(refusedAt - frozenAt)} ms after the freeze ` +
        `(${Math.round(refusedAt - lastAckSentAt)} ms after its last acknowledged keepalive was sent; ` +
        `ttl ${TTL_S * 1000} − margin ${MARGIN_MS}); its lease expired on the majority ` +
        `${Math.round(expiredAt - refusedAt)} ms after it stopped admitting`,
    );
    expect(east.check()).toMatchObject({ accepting: false, reason: 'LEASE_LOST' });
    expect(refusedAt - frozenAt).toBeLessThan(TTL_S * 1000);
    // It stopped at send time of the last acked keepalive + ttl − margin, as seen by the sampler: it
    // polls every few ms, but on a loaded 2-core machine the event loop can stall for tens of ms …
    expect(refusedAt).toBeLessThanOrEqual(admissionEnd + MARGIN_MS / 2);
    // … which is before the quorum could expire the lease.
    expect(refusedAt).toBeLessThan(expiredAt);
    expect(expiredAt - lastAckSentAt).toBeGreaterThanOrEqual(TTL_S * 1000 - 50);

    // Back in contact: a new lease, registered again, admitting again (nobody was promoted).
    cluster.thaw('us-east');
    frozen.delete('us-east');
    await waitFor(() => accepting(east), {
      timeoutMs: 15_000,
      intervalMs: 20,
      description: 'us-east admitting again',
    });
    expect(east.status().leasesGranted).toBeGreaterThanOrEqual(2);
    expect(await membersOf(observer, 'us-east')).toMatchObject([{ accepting: true, epoch: 1 }]);
  });

  it('cuts the primary off (SIGSTOP its member): the majority controller promotes another region; never two primaries', async () => {
    await initDesignation(world.quorum('us-east'), 'us-east');
    const writers = await Promise.all(REGIONS.map((r) => world.writer(r)));
    const [east, west, eu] = writers as [WriterLease, WriterLease, WriterLease];
    await waitFor(() => accepting(east), {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'us-east admitting',
    });
    const controllers = REGIONS.map((r) => world.controller(r));
    await waitFor(() => controllers.some((c) => c.isLeader), {
      timeoutMs: 10_000,
      intervalMs: 20,
      description: 'a controller elected',
    });
    const promotions: PromotionEvent[] = [];
    for (const c of controllers) c.on('promoted', (e: PromotionEvent) => promotions.push(e));
    const s = sampler(writers);

    cluster.freeze('us-east');
    frozen.add('us-east');
    const frozenAt = performance.now();
    const refusedAt = await waitFor(() => (accepting(east) ? undefined : performance.now()), {
      timeoutMs: TTL_S * 1000 + 1000,
      intervalMs: 1,
      description: 'cut-off primary refusing',
    });
    const promotedAt = await waitFor(() => (accepting(west) ? performance.now() : undefined), {
      timeoutMs: 20_000,
      intervalMs: 5,
      description: 'us-west admitting after the automatic promotion',
    });
    console.log(
      `primary cut off: it refused ${Math.round(refusedAt - frozenAt)} ms after the freeze; ` +
        `us-west admitted ${Math.round(promotedAt - frozenAt)} ms after the freeze ` +
        `(failAfterMs 1000, lease ttl ${TTL_S} s); promotion: ${JSON.stringify(promotions)}`,
    );
    expect(refusedAt - frozenAt).toBeLessThan(TTL_S * 1000);
    expect(west.check()).toEqual({ accepting: true, epoch: 2, role: 'primary' });
    expect(eu.check()).toMatchObject({ accepting: false, reason: 'NOT_PRIMARY', epoch: 2 });
    expect(promotions).toHaveLength(1);
    expect(promotions[0]).toMatchObject({ from: 'us-east', to: 'us-west', fromEpoch: 1, toEpoch: 2 });
    expect(promotions[0]!.downForMs).toBeGreaterThanOrEqual(1000);
    const d = await readDesignation(world.quorum('eu'));
    expect(d?.value).toMatchObject({ region: 'us-west', epoch: 2, state: 'active', by: 'controller' });

    // The cut-off region comes back: it learns it is no longer primary and does not admit.
    cluster.thaw('us-east');
    frozen.delete('us-east');
    await waitFor(() => reasonOf(east) === 'NOT_PRIMARY' && east.epoch === 2, {
      timeoutMs: 15_000,
      intervalMs: 20,
      description: 'us-east back, seeing epoch 2, refusing as NOT_PRIMARY',
    });
    await waitFor(async () => (await membersOf(world.quorum('eu'), 'us-east'))[0]?.epoch === 2, {
      timeoutMs: 10_000,
      intervalMs: 50,
      description: 'us-east re-registered at epoch 2',
    });
    const r = s.stop();
    console.log(
      `cut-off primary: ${r.samples} samples (largest gap ${r.maxGapMs} ms); who admitted:\n  ${r.timeline.join('\n  ')}`,
    );
    expect(r.samples).toBeGreaterThan(50);
    expect(r.violations).toEqual([]);
    expect(promotions).toHaveLength(1);
  });

  it('when the elected controller dies, another takes over and acts', async () => {
    await initDesignation(world.quorum('us-east'), 'us-east');
    const east = await world.writer('us-east');
    const west = await world.writer('us-west');
    await waitFor(() => accepting(east), {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'us-east admitting',
    });
    // Each controller on a client of its own, so one can be "killed" alone.
    const qs = new Map(REGIONS.map((r) => [r, world.newQuorum(r)] as const));
    const controllers = REGIONS.map((r) => world.controller(r, qs.get(r)!));
    const leader = await waitFor(() => controllers.find((c) => c.isLeader), {
      timeoutMs: 10_000,
      intervalMs: 20,
      description: 'a controller elected',
    });
    // A crash, seen from etcd: the connection drops without resigning; the election lease expires.
    const killedAt = performance.now();
    const leaderRegion = REGIONS[controllers.indexOf(leader)]!;
    qs.get(leaderRegion)!.close();
    await leader.stop();
    const next = await waitFor(() => controllers.find((c) => c !== leader && c.isLeader), {
      timeoutMs: 15_000,
      intervalMs: 20,
      description: 'another controller elected',
    });
    console.log(
      `controller ${leader.id} killed; ${next.id} elected ${Math.round(performance.now() - killedAt)} ms later (election ttl ${TTL_S} s)`,
    );
    expect(controllers.filter((c) => c.isLeader)).toEqual([next]);

    // The new leader acts: the primary's only writer stops; us-west is promoted.
    const promoted = new Promise<PromotionEvent>((resolve) => next.once('promoted', resolve));
    const s = sampler([east, west]);
    await east.stop();
    await waitFor(() => accepting(west), {
      timeoutMs: 15_000,
      intervalMs: 10,
      description: 'us-west admitting',
    });
    expect(await promoted).toMatchObject({ from: 'us-east', to: 'us-west', toEpoch: 2, by: next.id });
    expect(s.stop().violations).toEqual([]);
  });

  it('a promotion fails if any old-region member key changed since the controller looked (range compare)', async () => {
    const q = world.quorum('us-west');
    const d = await initDesignation(q, 'us-east');
    const east = await world.writer('us-east');
    await waitFor(() => accepting(east), {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'us-east admitting',
    });
    await east.stop(); // its key is gone: the region has no member
    const { casDesignation } = await import('./designation');
    const next = {
      region: 'us-west',
      epoch: 2,
      state: 'active' as const,
      since: Date.now(),
      by: 'controller',
    };
    const unchangedSince = (rev: string) => ({
      key: KEYS.members('us-east'),
      prefix: true,
      target: 'Mod' as const,
      result: 'Less' as const,
      value: (BigInt(rev) + 1n).toString(),
    });
    // A writer of us-east registers after the controller's look: the promotion must not apply.
    const seen = await q.members();
    const late = await world.writer('us-east', 'us-east-late');
    await waitFor(() => accepting(late), {
      timeoutMs: 5000,
      intervalMs: 20,
      description: 'late writer admitting',
    });
    await expect(casDesignation(q, d, next, [unchangedSince(seen.revision)])).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(accepting(late)).toBe(true);
    // Looked again (it is accepting now, so a controller would not promote); once it is gone, the
    // same comparison over an empty range holds and the promotion applies.
    await late.stop();
    const again = await q.members();
    expect(again.members).toEqual([]);
    const res = await casDesignation(q, d, next, [unchangedSince(again.revision)]);
    expect(res.value).toMatchObject({ region: 'us-west', epoch: 2 });
  });

  it('two controllers deciding on the same designation cannot both promote (CAS on its mod revision)', async () => {
    const q = world.quorum('us-west');
    const d = await initDesignation(q, 'us-east');
    const { casDesignation } = await import('./designation');
    const results = await Promise.allSettled([
      casDesignation(q, d, { ...d.value, region: 'us-west', epoch: 2, since: Date.now(), by: 'controller' }),
      casDesignation(world.quorum('eu'), d, {
        ...d.value,
        region: 'eu',
        epoch: 2,
        since: Date.now(),
        by: 'controller',
      }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'CONFLICT' });
    expect((await readDesignation(q))?.value.epoch).toBe(2);
    expect(KEYS.designation).toBe('designation');
  });
});
