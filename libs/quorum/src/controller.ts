import { EventEmitter } from 'node:events';
import type { Campaign } from 'etcd3';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { casDesignation, readDesignation } from './designation';
import { DesignationConflictError, QuorumError } from './errors';
import { type Designation, KEYS, validateRegion, type VersionedDesignation } from './model';
import type { Quorum } from './quorum';
import { counter, gauge } from '@meridian/metrics';

export interface FailoverControllerOptions {
  /** The region this controller runs in (one controller per region; the elected one acts). */
  region: string;
  /** Distinguishes controllers of one region (default: `<region>-<pid>`). */
  instanceId?: string;
  /** Promotion preference: the first region in this list with a live writer is promoted. */
  order: readonly string[];
  /** How long the designated region must have had no live accepting writer before promoting. */
  failAfterMs: number;
  /** TTL of the election lease (default 2 s): how long a dead leader blocks the others. */
  electionTtlSeconds?: number;
  /** How often the leader looks at the members (default 200 ms). */
  pollIntervalMs?: number;
  /** Pause before campaigning again after a lost campaign (default 500 ms). */
  recampaignDelayMs?: number;
  /** Election name under the namespace (default `failover-controller`). */
  electionName?: string;
  logger?: Logger;
  metrics?: Registry;
}

export interface PromotionEvent {
  from: string;
  to: string;
  fromEpoch: number;
  toEpoch: number;
  modRevision: string;
  /** How long the old region had no live accepting writer. */
  downForMs: number;
  by: string;
}

/**
 * Automatic failover for Phase A. Every region runs one; they elect a leader with etcd3's `Election`
 * (a new campaign after each lost one: etcd3's campaign does not survive a lease loss). The leader
 * watches the members: when the designated region has had no live writer saying `accepting: true` for
 * `failAfterMs` continuously (writers' member keys vanish when their leases expire), it promotes the
 * first region of `order` that has a live writer, at epoch e+1, with one transaction that requires
 * the designation's mod revision unchanged (two controllers can never both promote), no member key of
 * the old region changed since it saw them (no writer there registered as accepting meanwhile), and
 * its own election key still present (a deposed leader's write fails).
 *
 * It stands aside while the designation is `fencing` (a manual failover is running).
 * Events: `elected`, `deposed` (Error), `promoted` (PromotionEvent), `skipped` (string: why not).
 */
export class FailoverController extends EventEmitter {
  private readonly log: Logger;
  private readonly ttl: number;
  private readonly pollMs: number;
  private readonly instanceId: string;
  private campaign: Campaign | undefined;
  private leaderKey: string | undefined;
  private running = false;
  private loopTimer: NodeJS.Timeout | undefined;
  private campaignTimer: NodeJS.Timeout | undefined;
  private acting: Promise<void> | undefined;
  private downSince: { revision: string; at: number } | undefined;
  private lastSkip: string | undefined;
  private readonly leaderGauge: Gauge | undefined;
  private readonly promotions: Counter | undefined;

  constructor(
    private readonly q: Quorum,
    private readonly o: FailoverControllerOptions,
  ) {
    super();
    validateRegion(o.region, 'FailoverController region');
    if (o.order.length === 0) {
      throw new QuorumError('INVALID_CONFIG', 'order: list the regions to promote, most preferred first');
    }
    for (const r of o.order) {
      if (!q.regions.includes(r)) {
        throw new QuorumError(
          'INVALID_CONFIG',
          `order: "${r}" is not one of the regions (${q.regions.join(', ')})`,
        );
      }
    }
    if (!(o.failAfterMs >= 0)) {
      throw new QuorumError('INVALID_CONFIG', `failAfterMs: ${o.failAfterMs} must be ≥ 0`);
    }
    this.ttl = o.electionTtlSeconds ?? 2;
    if (!Number.isInteger(this.ttl) || this.ttl < 1) {
      throw new QuorumError('INVALID_CONFIG', `electionTtlSeconds: ${this.ttl} must be a whole number ≥ 1`);
    }
    this.pollMs = o.pollIntervalMs ?? 200;
    this.instanceId = o.instanceId ?? `${o.region}-${process.pid}`;
    this.log = (o.logger ?? q.log).child({
      component: 'failover-controller',
      region: o.region,
      instanceId: this.instanceId,
    });
    if (o.metrics) {
      this.leaderGauge = gauge(o.metrics, {
        name: 'meridian_quorum_controller_leader',
        help: '1 while this failover controller is the elected (acting) one.',
        labelNames: ['region', 'instance'],
      });
      this.promotions = counter(o.metrics, {
        name: 'meridian_quorum_controller_promotions_total',
        help: 'Automatic promotions made by this controller, by old and new region.',
        labelNames: ['from', 'to'],
      });
    }
  }

  /** Whether this controller is the elected one and acting. */
  get isLeader(): boolean {
    return this.leaderKey !== undefined;
  }

  get id(): string {
    return this.instanceId;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.runCampaign();
  }

  /** Stops acting and resigns (another controller takes over at once). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.campaignTimer);
    clearTimeout(this.loopTimer);
    this.setLeader(undefined);
    await this.acting?.catch(() => undefined);
    const c = this.campaign;
    this.campaign = undefined;
    await c?.resign().catch(() => undefined);
  }

  private runCampaign(): void {
    if (!this.running) return;
    const election = this.q.client.election(this.o.electionName ?? 'failover-controller', this.ttl);
    const c = election.campaign(`${this.o.region}/${this.instanceId}`);
    this.campaign = c;
    c.on('elected', () => {
      if (this.campaign !== c || !this.running) return;
      c.getCampaignKey()
        .then((key) => {
          if (this.campaign !== c || !this.running) return;
          this.setLeader(key.slice(this.q.namespace.length));
          this.scheduleLoop(0);
        })
        .catch((e: unknown) => this.lose(c, e as Error));
    });
    c.on('error', (e) => this.lose(c, e));
  }

  /** The campaign failed (lease lost, quorum unreachable): stop acting now, campaign again later. */
  private lose(c: Campaign, e: Error): void {
    if (this.campaign !== c) return;
    this.campaign = undefined;
    const wasLeader = this.isLeader;
    this.setLeader(undefined, e);
    if (wasLeader) this.log.warn({ err: e.message }, 'lost the controller election; stopped acting');
    else this.log.debug({ err: e.message }, 'campaign failed');
    c.resign().catch(() => undefined);
    if (this.running)
      this.campaignTimer = setTimeout(() => this.runCampaign(), this.o.recampaignDelayMs ?? 500);
  }

  private setLeader(key: string | undefined, why?: Error): void {
    const was = this.leaderKey;
    this.leaderKey = key;
    this.downSince = undefined;
    this.leaderGauge?.set({ region: this.o.region, instance: this.instanceId }, key ? 1 : 0);
    if (key && !was) {
      this.log.info('elected failover controller');
      this.emit('elected');
    } else if (!key && was) {
      clearTimeout(this.loopTimer);
      this.emit('deposed', why ?? new Error('stopped'));
    }
  }

  private scheduleLoop(ms: number): void {
    clearTimeout(this.loopTimer);
    this.loopTimer = setTimeout(() => {
      this.acting = this.actOnce()
        .catch((e: unknown) => this.log.debug({ err: (e as Error).message }, 'controller round failed'))
        .finally(() => {
          this.acting = undefined;
          if (this.isLeader && this.running) this.scheduleLoop(this.pollMs);
        });
    }, ms);
  }

  private skip(why: string): void {
    if (why !== this.lastSkip) {
      this.lastSkip = why;
      this.log.warn(why);
      this.emit('skipped', why);
    }
  }

  private async actOnce(): Promise<void> {
    const leaderKey = this.leaderKey;
    if (!leaderKey) return;
    const d = await readDesignation(this.q);
    if (!d) return this.skip('no designation yet: nothing to guard');
    if (d.value.state === 'fencing') {
      this.downSince = undefined;
      return this.skip(`designation is fencing ${d.value.region} (a manual failover runs): standing aside`);
    }
    const { revision, members } = await this.q.members();
    const designated = members.filter((m) => m.value.region === d.value.region);
    if (designated.some((m) => m.value.accepting)) {
      this.downSince = undefined;
      this.lastSkip = undefined;
      return;
    }
    const now = performance.now();
    if (!this.downSince || this.downSince.revision !== d.modRevision) {
      this.downSince = { revision: d.modRevision, at: now };
      this.log.warn(
        { designated: d.value.region, members: designated.map((m) => m.value) },
        `no live accepting writer in ${d.value.region}`,
      );
    }
    const downForMs = now - this.downSince.at;
    if (downForMs < this.o.failAfterMs) return;
    const live = new Set(members.map((m) => m.value.region));
    const to = this.o.order.find((r) => r !== d.value.region && live.has(r));
    if (!to)
      return this.skip(
        `${d.value.region} is down but no other region of [${this.o.order.join(', ')}] has a live writer`,
      );
    await this.promote(d, to, revision, leaderKey, downForMs);
  }

  private async promote(
    d: VersionedDesignation,
    to: string,
    seenAt: string,
    leaderKey: string,
    downForMs: number,
  ): Promise<void> {
    const next: Designation = {
      region: to,
      epoch: d.value.epoch + 1,
      state: 'active',
      since: Date.now(),
      by: 'controller',
      reason: `no live accepting writer in ${d.value.region} for ${Math.round(downForMs)} ms (controller ${this.instanceId})`,
    };
    try {
      const res = await casDesignation(
        this.q,
        d,
        next,
        [
          // No member key of the old region changed since we saw none accepting.
          {
            key: KEYS.members(d.value.region),
            prefix: true,
            target: 'Mod',
            result: 'Less',
            value: (BigInt(seenAt) + 1n).toString(),
          },
          // We are still the elected controller (our campaign key exists).
          { key: leaderKey, target: 'Version', result: 'Greater', value: 0 },
        ],
        `promoting ${to}`,
      );
      this.downSince = undefined;
      this.lastSkip = undefined;
      const ev: PromotionEvent = {
        from: d.value.region,
        to,
        fromEpoch: d.value.epoch,
        toEpoch: next.epoch,
        modRevision: res.modRevision,
        downForMs,
        by: this.instanceId,
      };
      this.promotions?.inc({ from: ev.from, to: ev.to });
      this.log.warn({ promotion: ev }, `promoted ${to} at epoch ${next.epoch}`);
      this.emit('promoted', ev);
    } catch (e) {
      if (e instanceof DesignationConflictError) {
        this.log.info(
          'promotion not applied: designation, old-region members or our leadership changed; re-evaluating',
        );
        return;
      }
      throw e;
    }
  }
}
