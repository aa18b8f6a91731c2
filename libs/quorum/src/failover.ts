import type { Logger } from 'pino';
import { casDesignation, requireDesignation } from './designation';
import { DesignationConflictError, QuorumError } from './errors';
import { type Designation, validateRegion, type VersionedDesignation, type VersionedMember } from './model';
import type { Quorum } from './quorum';

export interface DrainResult {
  drained: boolean;
  /** What is not yet replicated (e.g. "us-east → us-west: 42 records behind"); reported as at risk. */
  detail: string;
}

export interface FailoverOptions {
  /** The region to promote. */
  to: string;
  /** Who runs it (`operator:<name>`), stored in the designation. */
  by: string;
  reason?: string;
  /** At least every writer's lease TTL: how long a silent member of the old region may still admit. */
  ttlSeconds: number;
  /** Whether the old region's writes have reached `to` (e.g. MirrorMaker lag is zero). */
  drained?: (from: string) => Promise<DrainResult>;
  /** Give up waiting for `drained` after this long, and promote anyway (default 60 000). */
  drainTimeoutMs?: number;
  drainPollMs?: number;
  /** How long to wait for a writer of `to` to admit at the new epoch (default 30 000). */
  confirmTimeoutMs?: number;
  /** Promote even though `to` has no live member (nobody will accept writes until one starts). */
  force?: boolean;
  log?: Logger;
  /** Each step as it starts and ends (a dashboard shows them as they happen). */
  onStep?: (e: FailoverStepEvent) => void;
}

export type FailoverStepName = 'fence' | 'quiesce' | 'drain' | 'promote' | 'confirm';

export interface FailoverStepEvent {
  step: FailoverStepName;
  status: 'started' | 'done';
  /** With `done`: how long it took and what it came to. */
  ms?: number;
  detail?: string;
}

export interface FailoverReport {
  from: string;
  to: string;
  fromEpoch: number;
  toEpoch: number;
  /** The run resumed a failover left in `fencing` (step 1 was done before). */
  resumed: boolean;
  steps: {
    fence: { ms: number; modRevision: string };
    /** How the old region was seen to stop: every member refusing or gone, or the TTL elapsed. */
    quiesce: { ms: number; how: 'members-refused' | 'ttl-elapsed'; silent: string[] };
    drain: { ms: number; drained: boolean; detail: string; attempts: number };
    promote: { ms: number; modRevision: string };
    confirm: { ms: number; confirmed: boolean; instanceId?: string };
  };
  totalMs: number;
  /** Not empty when data may be lost (not drained) or the new region did not confirm. */
  warnings: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retries `fn` while it fails with a retriable QuorumError, until `deadline` (epoch ms). */
async function retrying<T>(fn: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof QuorumError && e.retriable) || Date.now() >= deadline) throw e;
      await sleep(200);
    }
  }
}

/**
 * A CAS that may be retried: when a previous attempt committed but its answer was lost, the retry
 * finds our own value in place and takes it as success.
 */
async function casOnce(
  q: Quorum,
  expected: VersionedDesignation,
  next: Designation,
  what: string,
): Promise<VersionedDesignation> {
  try {
    return await casDesignation(q, expected, next, [], what);
  } catch (e) {
    if (!(e instanceof DesignationConflictError)) throw e;
    const now = await requireDesignation(q);
    const v = now.value;
    if (
      v.region === next.region &&
      v.epoch === next.epoch &&
      v.state === next.state &&
      v.since === next.since
    ) {
      return now;
    }
    throw e;
  }
}

function liveAccepting(members: readonly VersionedMember[]): VersionedMember[] {
  return members.filter((m) => m.value.accepting);
}

/**
 * The manual failover runbook (Phase A):
 *
 * 1. fence: CAS the designation to `{ region: old, epoch: e+1, state: 'fencing' }` — every writer
 *    stops admitting when it sees it (watch), or within ttl − margin when it cannot re-read it;
 * 2. wait until every member of the old region says `accepting: false` or has expired; if some stay
 *    silent, wait until `ttlSeconds` passed since the fence committed (the lease and re-read rules
 *    guarantee that no writer admits on the old designation after that);
 * 3. call `drained(old)` until it says drained or `drainTimeoutMs` passes, then go on and report what
 *    is at risk;
 * 4. promote: CAS to `{ region: to, epoch: e+1, state: 'active' }`;
 * 5. confirm: wait until a member of `to` says `accepting: true` at epoch e+1.
 *
 * Re-running it after an interruption resumes from a `fencing` designation. Refuses (QuorumError)
 * when `to` is unknown, already primary, or has no live member (unless `force`).
 */
export async function failover(q: Quorum, o: FailoverOptions): Promise<FailoverReport> {
  const log = o.log ?? q.log.child({ op: 'failover' });
  const t0 = Date.now();
  const warnings: string[] = [];
  const current = await preconditions(q, o, warnings);
  const from = current.value.region;

  const step = (name: FailoverStepName, status: 'started' | 'done', ms?: number, detail?: string) =>
    o.onStep?.({
      step: name,
      status,
      ...(ms !== undefined ? { ms } : {}),
      ...(detail !== undefined ? { detail } : {}),
    });

  const s1 = Date.now();
  step('fence', 'started');
  const { fenced, fencedAt, resumed } = await fence(q, o, current, log);
  const fenceMs = Date.now() - s1;
  const newEpoch = fenced.value.epoch;
  step('fence', 'done', fenceMs, `${from} fenced at epoch ${newEpoch}${resumed ? ' (resumed)' : ''}`);

  const s2 = Date.now();
  step('quiesce', 'started');
  const quiet = await quiesce(q, from, fencedAt + o.ttlSeconds * 1000, log);
  const quiesceMs = Date.now() - s2;
  step('quiesce', 'done', quiesceMs, quiet.how);

  const s3 = Date.now();
  step('drain', 'started');
  const drain = await drainOf(o, from, warnings, log);
  const drainMs = Date.now() - s3;
  step('drain', 'done', drainMs, `${drain.drained ? 'drained' : 'NOT drained'}: ${drain.detail}`);

  // ---- 4. promote ----------------------------------------------------------------------------------
  const s4 = Date.now();
  step('promote', 'started');
  const next: Designation = {
    region: o.to,
    epoch: newEpoch,
    state: 'active',
    since: Date.now(),
    by: o.by,
    reason: o.reason ?? `failover from ${from}`,
  };
  const promoted = await retrying(() => casOnce(q, fenced, next, `promoting ${o.to}`), deadlineIn(10_000));
  log.info({ designation: next }, `promoted ${o.to}`);
  const promoteMs = Date.now() - s4;
  step('promote', 'done', promoteMs, `${o.to} active at epoch ${newEpoch}`);

  const s5 = Date.now();
  step('confirm', 'started');
  const confirmedBy = await confirm(q, o, newEpoch, warnings, log);
  step(
    'confirm',
    'done',
    Date.now() - s5,
    confirmedBy ? `accepted by ${confirmedBy}` : `no writer of ${o.to} confirmed`,
  );
  const report: FailoverReport = {
    from,
    to: o.to,
    fromEpoch: current.value.epoch,
    toEpoch: newEpoch,
    resumed,
    steps: {
      fence: { ms: fenceMs, modRevision: fenced.modRevision },
      quiesce: { ms: quiesceMs, ...quiet },
      drain: { ms: drainMs, ...drain },
      promote: { ms: promoteMs, modRevision: promoted.modRevision },
      confirm: {
        ms: Date.now() - s5,
        confirmed: confirmedBy !== undefined,
        ...(confirmedBy ? { instanceId: confirmedBy } : {}),
      },
    },
    totalMs: Date.now() - t0,
    warnings,
  };
  log.info({ report }, 'failover done');
  return report;
}

const deadlineIn = (ms: number): number => Date.now() + ms;

/** The request is valid and the move possible: the current designation, read through the quorum. */
async function preconditions(
  q: Quorum,
  o: FailoverOptions,
  warnings: string[],
): Promise<VersionedDesignation> {
  validateRegion(o.to, 'failover to');
  if (!q.regions.includes(o.to)) {
    throw new QuorumError(
      'UNKNOWN_REGION',
      `failover: unknown region "${o.to}" (regions: ${q.regions.join(', ')})`,
    );
  }
  if (!Number.isInteger(o.ttlSeconds) || o.ttlSeconds < 1) {
    throw new QuorumError(
      'INVALID_CONFIG',
      `failover: ttlSeconds ${o.ttlSeconds} must be a whole number ≥ 1`,
    );
  }
  const current = await retrying(() => requireDesignation(q), deadlineIn(10_000));
  const from = current.value.region;
  if (from === o.to && current.value.state === 'active') {
    throw new QuorumError(
      'ALREADY_PRIMARY',
      `failover: ${o.to} is already the primary (epoch ${current.value.epoch})`,
    );
  }
  const target = await retrying(() => q.members(o.to), deadlineIn(10_000));
  if (target.members.length === 0) {
    if (!o.force) {
      throw new QuorumError(
        'NO_LIVE_MEMBER',
        `failover: ${o.to} has no live writer registered; start its services first, or pass force`,
      );
    }
    warnings.push(`${o.to} had no live writer: nobody accepts writes until one starts`);
  }
  const oldMembers = await retrying(() => q.members(from), deadlineIn(10_000));
  const longestTtl = Math.max(o.ttlSeconds, ...oldMembers.members.map((m) => m.value.ttlSeconds ?? 0));
  if (longestTtl > o.ttlSeconds) {
    throw new QuorumError(
      'INVALID_CONFIG',
      `failover: a writer of ${from} holds a ${longestTtl} s lease, longer than ttlSeconds ${o.ttlSeconds}; pass ttlSeconds ≥ ${longestTtl}`,
    );
  }
  return current;
}

/** 1. Fence: the old primary's epoch ends (or a failover left fencing is resumed). */
async function fence(
  q: Quorum,
  o: FailoverOptions,
  current: VersionedDesignation,
  log: Logger,
): Promise<{ fenced: VersionedDesignation; fencedAt: number; resumed: boolean }> {
  const from = current.value.region;
  if (current.value.state === 'fencing') {
    log.warn({ designation: current.value }, 'resuming a failover left fencing');
    // We do not know when the fence committed: count the TTL from now.
    return { fenced: current, fencedAt: Date.now(), resumed: true };
  }
  const next: Designation = {
    region: from,
    epoch: current.value.epoch + 1,
    state: 'fencing',
    since: Date.now(),
    by: o.by,
    reason: o.reason ?? `failover to ${o.to}`,
  };
  const fenced = await casOnce(q, current, next, `fencing ${from}`);
  log.info({ designation: next }, `fenced ${from}`);
  // The fence committed before the response arrived: counting from here over-waits, never under.
  return { fenced, fencedAt: Date.now(), resumed: false };
}

/** 2. Quiesce: until every writer of `from` says it refuses, or its lease TTL has surely elapsed. */
async function quiesce(
  q: Quorum,
  from: string,
  ttlEndsAt: number,
  log: Logger,
): Promise<{ how: 'members-refused' | 'ttl-elapsed'; silent: string[] }> {
  let silent: string[] = [];
  while (Date.now() < ttlEndsAt) {
    try {
      const still = liveAccepting((await q.members(from)).members);
      silent = still.map((x) => x.value.instanceId);
      if (still.length === 0) return { how: 'members-refused', silent: [] };
    } catch (e) {
      if (!(e instanceof QuorumError && e.retriable)) throw e;
    }
    await sleep(50);
  }
  const left = ttlEndsAt - Date.now();
  if (left > 0) await sleep(left);
  log.warn({ silent }, `members of ${from} did not confirm refusing; waited the lease TTL instead`);
  return { how: 'ttl-elapsed', silent };
}

/** 3. Drain: wait (bounded) until the caller's check says `from`'s acknowledged data arrived. */
async function drainOf(
  o: FailoverOptions,
  from: string,
  warnings: string[],
  log: Logger,
): Promise<{ drained: boolean; detail: string; attempts: number }> {
  if (!o.drained) return { drained: true, detail: 'no drain check given', attempts: 0 };
  const s3 = Date.now();
  const until = s3 + (o.drainTimeoutMs ?? 60_000);
  let drain: DrainResult;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      drain = await o.drained(from);
    } catch (e) {
      drain = { drained: false, detail: `drain check failed: ${(e as Error).message}` };
    }
    if (drain.drained || Date.now() >= until) break;
    await sleep(Math.min(o.drainPollMs ?? 500, Math.max(0, until - Date.now())));
  }
  if (!drain.drained) {
    warnings.push(`not drained after ${Date.now() - s3} ms; at risk: ${drain.detail}`);
    log.warn({ detail: drain.detail }, `${from} not drained; promoting ${o.to} anyway — at risk`);
  }
  return { drained: drain.drained, detail: drain.detail, attempts };
}

/** 5. Confirm: a writer of the new primary admits writes at the new epoch (bounded wait). */
async function confirm(
  q: Quorum,
  o: FailoverOptions,
  newEpoch: number,
  warnings: string[],
  log: Logger,
): Promise<string | undefined> {
  const s5 = Date.now();
  const confirmUntil = s5 + (o.confirmTimeoutMs ?? 30_000);
  while (Date.now() < confirmUntil) {
    try {
      const m = await q.members(o.to);
      const by = m.members.find((x) => x.value.accepting && x.value.epoch === newEpoch)?.value.instanceId;
      if (by) return by;
    } catch (e) {
      if (!(e instanceof QuorumError && e.retriable)) throw e;
    }
    await sleep(50);
  }
  warnings.push(`no writer of ${o.to} admitted writes at epoch ${newEpoch} within ${Date.now() - s5} ms`);
  log.error(`no writer of ${o.to} confirmed epoch ${newEpoch}`);
  return undefined;
}
