// Long on purpose: the writer lease's admission rule, keepalive and loss handling, which only hold together.
import { EtcdLeaseInvalidError, type Lease } from 'etcd3';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  admissionDeadline,
  admit,
  type AdmissionState,
  sameAdmission,
  type WriteAdmission,
} from './admission';
import { type DesignationWatch, readDesignation, watchDesignation } from './designation';
import { QuorumError } from './errors';
import {
  compareRevisions,
  KEYS,
  type MemberRecord,
  validateRegion,
  type VersionedDesignation,
} from './model';
import type { Quorum } from './quorum';
import { counter, gauge } from '@meridian/metrics';

export interface WriterLeaseOptions {
  /** This process's region. */
  region: string;
  /** Unique per process (e.g. `<hostname>-<pid>`); the member key is `members/<region>/<instanceId>`. */
  instanceId: string;
  /** Lease TTL in whole seconds (etcd's unit), e.g. 2. Failover waits this long for a silent member. */
  ttlSeconds: number;
  /** Admission ends this long before the lease could expire on the quorum (default 250 ms). */
  safetyMarginMs?: number;
  /** Keepalive and designation re-read period (default ttl/3, like etcd's own clients). */
  refreshIntervalMs?: number;
  /** Deadline of each keepalive (default: the refresh interval). */
  rpcTimeoutMs?: number;
  /** Monotonic clock in ms (default `performance.now`), injectable for tests. */
  clock?: () => number;
  logger?: Logger;
  metrics?: Registry;
}

export interface WriterLeaseStatus {
  admission: WriteAdmission;
  leaseId?: string;
  designation?: VersionedDesignation;
  /** Monotonic send time of the last acknowledged keepalive (or grant), and of the last designation read. */
  leaseAckSentAt?: number;
  designationReadSentAt?: number;
  /** What the member key says now, as far as this process knows. */
  published?: { accepting: boolean; epoch: number };
  leasesGranted: number;
}

type Listener = (now: WriteAdmission, before: WriteAdmission) => void;

/**
 * The write leadership of one publishing process. `start()` grants a lease and keeps it alive with its
 * own loop (`keepaliveOnce` every ttl/3, recording when each acknowledged keepalive was sent), re-reads
 * the designation on the same period and watches it in between, registers the process under
 * `members/<region>/<instanceId>` (attached to the lease) and keeps that record's `accepting`/`epoch`
 * current. `check()` is the synchronous per-publish admission (see `admit` for the rule and why it is
 * safe). After a lease loss it grants a new lease and registers again once the quorum answers.
 */
export class WriterLease {
  readonly region: string;
  readonly instanceId: string;
  private readonly ttlMs: number;
  private readonly marginMs: number;
  private readonly intervalMs: number;
  private readonly rpcTimeoutMs: number;
  private readonly clock: () => number;
  private readonly log: Logger;

  private started = false;
  private stopped = false;
  private lease: Lease | undefined;
  private leaseId: string | undefined;
  private leaseAckSentAt: number | undefined;
  private leaseLost = false;
  private designation: VersionedDesignation | undefined;
  private designationReadSentAt: number | undefined;
  private registeredRevision: string | undefined;
  private published: { accepting: boolean; epoch: number } | undefined;
  private leasesGranted = 0;

  private watch: DesignationWatch | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private reconcileQueued = false;
  private last: WriteAdmission;
  private readonly listeners = new Set<Listener>();
  private readonly acceptingGauge: Gauge | undefined;
  private readonly grants: Counter | undefined;

  constructor(
    private readonly q: Quorum,
    opts: WriterLeaseOptions,
  ) {
    validateRegion(opts.region, 'WriterLease region');
    if (!q.regions.includes(opts.region)) {
      throw new QuorumError(
        'INVALID_CONFIG',
        `WriterLease region "${opts.region}" is not one of the quorum's regions (${q.regions.join(', ')})`,
      );
    }
    if (!/^[A-Za-z0-9._:-]+$/.test(opts.instanceId)) {
      throw new QuorumError(
        'INVALID_CONFIG',
        `instanceId: "${opts.instanceId}" may only hold letters, digits and . _ : -`,
      );
    }
    if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds < 1) {
      throw new QuorumError(
        'INVALID_CONFIG',
        `ttlSeconds: ${opts.ttlSeconds} — etcd leases take whole seconds, at least 1`,
      );
    }
    this.region = opts.region;
    this.instanceId = opts.instanceId;
    this.ttlMs = opts.ttlSeconds * 1000;
    this.marginMs = opts.safetyMarginMs ?? 250;
    this.intervalMs = opts.refreshIntervalMs ?? this.ttlMs / 3;
    this.rpcTimeoutMs = opts.rpcTimeoutMs ?? this.intervalMs;
    if (this.marginMs < 0 || this.ttlMs - this.marginMs <= this.intervalMs + this.rpcTimeoutMs) {
      throw new QuorumError(
        'INVALID_CONFIG',
        `safetyMarginMs ${this.marginMs} leaves ${this.ttlMs - this.marginMs} ms of admission per keepalive, ` +
          `not more than refreshIntervalMs + rpcTimeoutMs (${this.intervalMs + this.rpcTimeoutMs} ms): ` +
          'admission would lapse between keepalives; lower the margin or the interval, or raise ttlSeconds',
      );
    }
    this.clock = opts.clock ?? (() => performance.now());
    this.log = (opts.logger ?? q.log).child({ region: this.region, instanceId: this.instanceId });
    this.last = admit(this.state(), this.clock());
    if (opts.metrics) {
      this.acceptingGauge = gauge(opts.metrics, {
        name: 'meridian_quorum_writer_accepting',
        help: '1 while this writer admits writes (it holds the Phase A write leadership), else 0.',
        labelNames: ['region', 'instance'],
      });
      this.grants = counter(opts.metrics, {
        name: 'meridian_quorum_writer_leases_granted_total',
        help: 'Writer leases granted (more than one per process means leases were lost).',
        labelNames: ['region', 'instance'],
      });
    }
  }

  private state(): AdmissionState {
    const d = this.designation;
    return {
      region: this.region,
      ttlMs: this.ttlMs,
      safetyMarginMs: this.marginMs,
      stopped: this.stopped,
      ...(d
        ? {
            designation: {
              region: d.value.region,
              epoch: d.value.epoch,
              state: d.value.state,
              modRevision: d.modRevision,
            },
          }
        : {}),
      ...(this.leaseAckSentAt !== undefined ? { leaseAckSentAt: this.leaseAckSentAt } : {}),
      ...(this.leaseLost ? { leaseLost: true } : {}),
      ...(this.designationReadSentAt !== undefined
        ? { designationReadSentAt: this.designationReadSentAt }
        : {}),
      ...(this.registeredRevision !== undefined ? { registeredRevision: this.registeredRevision } : {}),
    };
  }

  /** Synchronous and cheap: whether a write may be accepted now (call it for every publish). */
  check(): WriteAdmission {
    return admit(this.state(), this.clock());
  }

  /**
   * Monotonic time (this lease's clock, `performance.now()` by default) at which the current
   * admission ends by itself unless the quorum confirms the lease again; undefined when not admitted.
   * A write must be acknowledged before it to be reported stored.
   */
  deadline(): number | undefined {
    const s = this.state();
    return admit(s, this.clock()).accepting ? admissionDeadline(s) : undefined;
  }

  /** The designation epoch known (stamp it on events as the writer epoch). */
  get epoch(): number {
    return this.designation?.value.epoch ?? 0;
  }

  status(): WriterLeaseStatus {
    return {
      admission: this.check(),
      ...(this.leaseId !== undefined ? { leaseId: this.leaseId } : {}),
      ...(this.designation ? { designation: this.designation } : {}),
      ...(this.leaseAckSentAt !== undefined ? { leaseAckSentAt: this.leaseAckSentAt } : {}),
      ...(this.designationReadSentAt !== undefined
        ? { designationReadSentAt: this.designationReadSentAt }
        : {}),
      ...(this.published ? { published: { ...this.published } } : {}),
      leasesGranted: this.leasesGranted,
    };
  }

  /** `cb(now, before)` whenever the admission changes; returns an unsubscribe function. */
  onChange(cb: Listener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Starts the loop. Resolves after the first round (admitting or not: see `check()`); never throws for etcd outages. */
  async start(): Promise<void> {
    if (this.started) throw new QuorumError('INVALID_CONFIG', 'WriterLease.start() called twice');
    this.started = true;
    this.watch = watchDesignation(
      this.q,
      (d) => this.observeDesignation(d),
      (e) => this.log.debug({ err: e.message }, 'designation watch interrupted'),
    );
    await this.runTick();
  }

  /** Stops admitting, stops the loop and revokes the lease (the member key disappears). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.registeredRevision = undefined;
    clearTimeout(this.tickTimer);
    clearTimeout(this.deadlineTimer);
    this.evaluate();
    await this.ticking?.catch(() => undefined);
    await this.reconciling.catch(() => undefined);
    await this.watch?.close().catch(() => undefined);
    const lease = this.lease;
    this.lease = undefined;
    if (lease) {
      await lease
        .revoke(this.q.deadline())
        .catch((e: unknown) =>
          this.log.warn({ err: (e as Error).message }, 'lease revoke failed; it expires by itself'),
        );
    }
  }

  // ---- the loop ---------------------------------------------------------------------------------

  private runTick(): Promise<void> {
    const started = this.clock();
    this.ticking = this.tick()
      .catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'writer lease round failed'))
      .finally(() => {
        this.ticking = undefined;
        if (this.stopped) return;
        const wait = Math.max(0, this.intervalMs - (this.clock() - started));
        this.tickTimer = setTimeout(() => void this.runTick(), this.lease ? wait : Math.max(wait, 100));
      });
    return this.ticking;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    await Promise.all([this.lease ? this.keepalive() : this.grant(), this.reread()]);
    this.evaluate();
    await this.reconcile();
  }

  private async grant(): Promise<void> {
    const lease = this.q.client.lease(this.ttlMs / 1000, { autoKeepAlive: false });
    lease.on('lost', (err) => {
      if (this.lease === lease) this.dropLease(`etcd reports the lease lost: ${err.message}`);
    });
    const sentAt = this.clock();
    let id: string;
    try {
      id = await lease.grant();
    } catch (e) {
      lease.release();
      this.log.debug({ err: (e as Error).message }, 'lease grant failed; retrying');
      return;
    }
    if (this.stopped) {
      await lease.revoke(this.q.deadline()).catch(() => undefined);
      return;
    }
    this.lease = lease;
    this.leaseId = id;
    this.leaseAckSentAt = sentAt;
    this.leaseLost = false;
    this.registeredRevision = undefined;
    this.published = undefined;
    this.leasesGranted++;
    this.grants?.inc({ region: this.region, instance: this.instanceId });
    this.log.info({ leaseId: id }, 'writer lease granted');
  }

  private async keepalive(): Promise<void> {
    const lease = this.lease!;
    const sentAt = this.clock();
    try {
      await lease.keepaliveOnce({ deadline: Date.now() + this.rpcTimeoutMs });
      if (this.lease === lease && this.leaseAckSentAt !== undefined) {
        this.leaseAckSentAt = Math.max(this.leaseAckSentAt, sentAt);
      }
    } catch (e) {
      if (this.lease !== lease) return;
      if (e instanceof EtcdLeaseInvalidError) {
        this.dropLease('etcd says the lease expired');
      } else if (this.leaseAckSentAt !== undefined && this.clock() >= this.leaseAckSentAt + this.ttlMs) {
        // Not acknowledged for a whole TTL: the quorum may have expired it (its member key with it).
        this.dropLease(`no keepalive acknowledged for ${this.ttlMs} ms (${(e as Error).message})`);
      } else {
        this.log.debug({ err: (e as Error).message }, 'keepalive not acknowledged');
      }
    }
  }

  private dropLease(why: string): void {
    const lease = this.lease;
    this.lease = undefined;
    this.leaseId = undefined;
    this.leaseAckSentAt = undefined;
    this.leaseLost = true;
    this.registeredRevision = undefined;
    this.published = undefined;
    this.log.warn({ why }, 'writer lease lost; a new one will be granted when the quorum answers');
    if (lease) {
      lease.release();
      // Best effort: if the quorum still has it, free it (its member key goes with it).
      lease.revoke(this.q.deadline()).catch(() => undefined);
    }
    this.evaluate();
  }

  private async reread(): Promise<void> {
    const sentAt = this.clock();
    try {
      const d = await readDesignation(this.q);
      this.observeDesignation(d);
      this.designationReadSentAt = Math.max(this.designationReadSentAt ?? sentAt, sentAt);
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'designation re-read failed');
    }
  }

  /** Keeps the newest designation (by mod revision) from reads and the watch. */
  private observeDesignation(d: VersionedDesignation | undefined): void {
    if (this.stopped) return;
    const cur = this.designation;
    if (d === undefined) {
      if (cur === undefined) return;
      this.log.error('the designation disappeared from the quorum; refusing writes');
      this.designation = undefined;
    } else {
      if (cur && compareRevisions(d.modRevision, cur.modRevision) <= 0) return;
      this.designation = d;
      this.log.info({ designation: d.value, modRevision: d.modRevision }, 'designation');
    }
    this.evaluate();
    this.requestReconcile();
  }

  // ---- admission changes and the member record ----------------------------------------------------

  private evaluate(): void {
    const now = this.check();
    const before = this.last;
    clearTimeout(this.deadlineTimer);
    const deadline = admissionDeadline(this.state());
    if (now.accepting && deadline !== undefined && !this.stopped) {
      // Admission lapses by itself at the deadline: re-evaluate then (and publish accepting:false).
      this.deadlineTimer = setTimeout(
        () => {
          this.evaluate();
          this.requestReconcile();
        },
        Math.max(0, deadline - this.clock()) + 1,
      );
    }
    if (sameAdmission(now, before)) return;
    this.last = now;
    this.acceptingGauge?.set({ region: this.region, instance: this.instanceId }, now.accepting ? 1 : 0);
    this.log.info({ admission: now }, now.accepting ? 'admitting writes' : 'not admitting writes');
    for (const cb of this.listeners) {
      try {
        cb(now, before);
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'admission listener threw');
      }
    }
  }

  private requestReconcile(): void {
    if (this.reconcileQueued || this.stopped) return;
    this.reconcileQueued = true;
    this.reconciling = this.reconciling.then(() => {
      this.reconcileQueued = false;
      return this.reconcileOnce();
    });
  }

  private reconcile(): Promise<void> {
    this.requestReconcile();
    return this.reconciling;
  }

  /**
   * Brings the member record in line with the admission. Becoming accepting is a transaction that
   * writes `accepting: true` only if the designation's mod revision is still the one we act on, and
   * admission starts only after it committed. Stopping is local first (check() already refuses), then
   * the record says `accepting: false`; the registration is forgotten before that write is sent, so
   * admitting again always takes a new transaction (a controller promoting elsewhere would see it).
   */
  private async reconcileOnce(): Promise<void> {
    const lease = this.lease;
    const leaseId = this.leaseId;
    const d = this.designation;
    if (this.stopped || !lease || leaseId === undefined) return;
    const now = this.clock();
    const actual = admit(this.state(), now);
    const wouldAdmit = d ? admit({ ...this.state(), registeredRevision: d.modRevision }, now) : actual;
    try {
      if (d && !actual.accepting && wouldAdmit.accepting) {
        const record = this.record(true, d.value.epoch);
        const res = await this.q.txn(
          'registering as accepting',
          [{ key: KEYS.designation, target: 'Mod', result: 'Equal', value: d.modRevision }],
          [{ put: KEYS.member(this.region, this.instanceId), value: JSON.stringify(record), lease: leaseId }],
        );
        if (this.lease !== lease) return;
        if (res.succeeded) {
          this.registeredRevision = d.modRevision;
          this.published = { accepting: true, epoch: d.value.epoch };
        } else {
          // The designation moved on: learn it now rather than at the next round.
          void this.reread().then(() => this.evaluate());
        }
      } else if (
        !this.published ||
        this.published.accepting !== actual.accepting ||
        this.published.epoch !== actual.epoch
      ) {
        if (actual.accepting) return; // registered under this designation already
        this.registeredRevision = undefined;
        const record = this.record(false, actual.epoch);
        await lease.put(KEYS.member(this.region, this.instanceId)).value(JSON.stringify(record)).exec();
        if (this.lease === lease) this.published = { accepting: false, epoch: actual.epoch };
      }
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'member record not updated; retrying next round');
    } finally {
      this.evaluate();
    }
  }

  private record(accepting: boolean, epoch: number): MemberRecord {
    return {
      region: this.region,
      instanceId: this.instanceId,
      accepting,
      epoch,
      at: Date.now(),
      ttlSeconds: this.ttlMs / 1000,
    };
  }
}
