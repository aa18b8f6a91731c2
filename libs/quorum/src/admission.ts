/**
 * The write-admission rule of a publishing process, as a pure function of what the process knows
 * and the time, so it can be checked synchronously on every publish and tested with a fake clock.
 */

export type RefusalReason =
  | 'STARTING' // no lease yet, no designation read yet, or the acceptance is not registered yet
  | 'NOT_PRIMARY' // the designation names another region
  | 'FENCED' // the designation names this region, but a failover is fencing it
  | 'LEASE_LOST' // the quorum has not confirmed our lease (or the designation) recently enough
  | 'STOPPED';

export type WriteAdmission =
  | { readonly accepting: true; readonly epoch: number; readonly role: 'primary' }
  | {
      readonly accepting: false;
      readonly reason: RefusalReason;
      /** Epoch of the designation known (0 if none). */
      readonly epoch: number;
      /** `primary` when the known designation names this region, whatever its state. */
      readonly role: 'primary' | 'standby';
    };

export interface AdmissionState {
  readonly region: string;
  readonly ttlMs: number;
  readonly safetyMarginMs: number;
  readonly stopped: boolean;
  /** The newest designation known (by mod revision), from a read or the watch. */
  readonly designation?: {
    readonly region: string;
    readonly epoch: number;
    readonly state: 'active' | 'fencing';
    readonly modRevision: string;
  };
  /**
   * Monotonic time at which the last keepalive (or the grant) of the current lease that the quorum
   * acknowledged was SENT. `undefined`: no lease.
   */
  readonly leaseAckSentAt?: number;
  /** The previous lease was lost and no new one is granted yet (refusal reason LEASE_LOST, not STARTING). */
  readonly leaseLost?: boolean;
  /** Monotonic time at which the last successful linearizable read of the designation was SENT. */
  readonly designationReadSentAt?: number;
  /**
   * Mod revision of the designation under which this process's member key was committed with
   * `accepting: true` (under the current lease). Admission needs it equal to the known designation's.
   */
  readonly registeredRevision?: string;
}

/**
 * Admits a write at monotonic time `now` only if all of these hold:
 *
 * 1. The designation names this region with state `active`.
 * 2. `now < leaseAckSentAt + ttl - safetyMargin`. The etcd leader extends a lease to (the time it
 *    handles the keepalive) + TTL, and it handles it no earlier than we sent it; so the lease cannot
 *    expire on the majority side — where a failover waits for it to expire — before we stop
 *    admitting. The margin covers clock-rate differences and the time between `check()` and the
 *    write reaching the broker. A leader change only extends leases (the new leader refreshes them).
 * 3. `now < designationReadSentAt + ttl - safetyMargin`. A linearizable read sent at S returns a
 *    designation that was current at some instant after S; so once a fence or a promotion commits at
 *    time F, we stop admitting on the older designation by F + ttl − margin at the latest, even if
 *    the watch never delivers it. This is what makes "fence, then wait ttl" safe for a process whose
 *    lease is still alive.
 * 4. The member key says `accepting: true` for exactly this designation revision (committed by a
 *    transaction comparing the designation's mod revision). An automatic promotion checks, in the same
 *    transaction, that no member key of the old region changed since it saw them all refusing; so a
 *    process can never start admitting behind the back of a controller that is promoting elsewhere.
 */
export function admit(s: AdmissionState, now: number): WriteAdmission {
  const d = s.designation;
  const epoch = d?.epoch ?? 0;
  const role = d?.region === s.region ? 'primary' : 'standby';
  const refuse = (reason: RefusalReason): WriteAdmission => ({ accepting: false, reason, epoch, role });
  if (s.stopped) return refuse('STOPPED');
  if (s.leaseAckSentAt === undefined && s.leaseLost) return refuse('LEASE_LOST');
  if (s.leaseAckSentAt === undefined || d === undefined || s.designationReadSentAt === undefined) {
    return refuse('STARTING');
  }
  const usableMs = s.ttlMs - s.safetyMarginMs;
  if (now >= s.leaseAckSentAt + usableMs || now >= s.designationReadSentAt + usableMs)
    return refuse('LEASE_LOST');
  if (d.region !== s.region) return refuse('NOT_PRIMARY');
  if (d.state !== 'active') return refuse('FENCED');
  if (s.registeredRevision !== d.modRevision) return refuse('STARTING');
  return { accepting: true, epoch: d.epoch, role: 'primary' };
}

/** Monotonic time at which `admit` will turn false by itself (for a timer), or undefined. */
export function admissionDeadline(s: AdmissionState): number | undefined {
  if (s.leaseAckSentAt === undefined || s.designationReadSentAt === undefined) return undefined;
  const usableMs = s.ttlMs - s.safetyMarginMs;
  return Math.min(s.leaseAckSentAt, s.designationReadSentAt) + usableMs;
}

export function sameAdmission(a: WriteAdmission, b: WriteAdmission): boolean {
  return (
    a.accepting === b.accepting &&
    a.epoch === b.epoch &&
    a.role === b.role &&
    (a.accepting || b.accepting || a.reason === b.reason)
  );
}
