import { z } from 'zod';
import { QuorumError } from './errors';

/** Region names as the topology spells them. */
export const REGION_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Who may write, stored at `<namespace>designation`. `epoch` only grows; the key is only ever changed
 * by a transaction comparing its mod revision (compare-and-swap), never by a blind put.
 * `fencing`: a manual failover is moving the primary away from `region`; nobody accepts writes.
 */
export interface Designation {
  readonly region: string;
  readonly epoch: number;
  readonly state: 'active' | 'fencing';
  /** Epoch milliseconds of the change. */
  readonly since: number;
  /** Who made the change (`operator:<name>`, `controller`, `init`). */
  readonly by: string;
  readonly reason?: string;
}

/** A designation together with the etcd mod revision it was read at (the CAS token). */
export interface VersionedDesignation {
  readonly value: Designation;
  /** etcd `mod_revision` of the designation key (int64 as a decimal string). */
  readonly modRevision: string;
}

/**
 * One publishing process, stored at `<namespace>members/<region>/<instanceId>`, attached to that
 * process's lease: it disappears when the lease expires.
 */
export interface MemberRecord {
  readonly region: string;
  readonly instanceId: string;
  /** Whether the process's `check()` admits writes (true is written before it admits any). */
  readonly accepting: boolean;
  /** The designation epoch this statement is about. */
  readonly epoch: number;
  /** Epoch milliseconds of the write. */
  readonly at: number;
  /** The writer's lease TTL (failover waits at least this long for a silent member). */
  readonly ttlSeconds?: number;
}

export interface VersionedMember {
  readonly value: MemberRecord;
  readonly modRevision: string;
  readonly lease: string;
}

const designationSchema = z.object({
  region: z.string().regex(REGION_NAME),
  epoch: z.number().int().positive(),
  state: z.enum(['active', 'fencing']),
  since: z.number(),
  by: z.string(),
  reason: z.string().optional(),
});

const memberSchema = z.object({
  region: z.string().regex(REGION_NAME),
  instanceId: z.string().min(1),
  accepting: z.boolean(),
  epoch: z.number().int().nonnegative(),
  at: z.number(),
  ttlSeconds: z.number().positive().optional(),
});

export const KEYS = {
  designation: 'designation',
  membersRoot: 'members/',
  members: (region: string): string => `members/${region}/`,
  member: (region: string, instanceId: string): string => `members/${region}/${instanceId}`,
} as const;

function parse<T>(schema: z.ZodType<T>, raw: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new QuorumError('CORRUPT', `${what} is not JSON: ${raw.slice(0, 200)}`, { cause: e });
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    throw new QuorumError('CORRUPT', `${what} is malformed (${r.error.message}): ${raw.slice(0, 200)}`);
  }
  return r.data;
}

export function parseDesignation(raw: string): Designation {
  return parse(designationSchema, raw, 'the designation');
}

export function parseMember(raw: string, key: string): MemberRecord {
  return parse(memberSchema, raw, `member ${key}`);
}

/** Compares two etcd revisions (int64 decimal strings). */
export function compareRevisions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function validateRegion(region: string, what: string): void {
  if (!REGION_NAME.test(region)) {
    throw new QuorumError('INVALID_CONFIG', `${what}: "${region}" is not a region name (a-z, 0-9, -)`);
  }
}
