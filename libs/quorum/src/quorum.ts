import {
  CompareResult,
  CompareTarget,
  Etcd3,
  type ICompare,
  type IKeyValue,
  type IOptions,
  type IRequestOp,
  type Namespace,
} from 'etcd3';
import pino, { type Logger } from 'pino';
import { QuorumError, unreachable } from './errors';
import { KEYS, parseMember, validateRegion, type VersionedMember } from './model';

export interface QuorumOptions {
  /**
   * Client URL of THIS region's etcd member only (e.g. `http://127.0.0.1:2379`). Never list the other
   * regions' members: a region cut off from the quorum must lose it, not fail over to a remote member.
   */
  hosts: string | string[];
  /** Key prefix of one topology, e.g. `/meridian/active-passive/` (must end with `/`). */
  namespace: string;
  /** Every region of the topology (failover refuses a region not listed here). */
  regions: readonly string[];
  /** Deadline of each unary etcd call (a frozen member must become an error, not a hang). Default 1000. */
  callTimeoutMs?: number;
  logger?: Logger;
}

type FaultHandling = NonNullable<IOptions['faultHandling']>;
type Policy = NonNullable<FaultHandling['global']>;

/**
 * etcd3's default fault handling retries three times and opens a 5 s circuit breaker per host after
 * three failures. With a single (local) host, both only delay noticing that the quorum is back; our
 * own loops retry on their own schedule, so every call goes straight through.
 */
const passThrough = {
  execute: <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T) =>
    Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
} as unknown as Policy;

/** Watches reconnect after a constant 250 ms (the default backoff grows to 30 s). */
const constantBackoff = {
  duration: 250,
  next() {
    return this;
  },
} as unknown as NonNullable<FaultHandling['watchBackoff']>;

/** The first key after every key starting with `prefix` (etcd's range end for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** A raw comparison of a transaction, on a key relative to the namespace. */
export interface RawCompare {
  key: string;
  /** Compare every key of `[key, prefixEnd(key))` (a prefix) instead of one key. */
  prefix?: boolean;
  target: 'Version' | 'Create' | 'Mod' | 'Lease';
  result: 'Equal' | 'Greater' | 'Less' | 'NotEqual';
  value: string | number;
}

/**
 * A connection to the Phase A quorum (the region's local etcd member) under one namespace.
 * `client` is the namespaced etcd3 client (elections, leases, watches); `close()` releases it.
 */
export class Quorum {
  readonly root: Etcd3;
  readonly client: Namespace;
  readonly namespace: string;
  readonly regions: readonly string[];
  readonly callTimeoutMs: number;
  readonly log: Logger;
  private closed = false;

  constructor(opts: QuorumOptions) {
    if (!opts.namespace.startsWith('/') || !opts.namespace.endsWith('/')) {
      throw new QuorumError(
        'INVALID_CONFIG',
        `namespace: "${opts.namespace}" must start and end with "/" (e.g. /meridian/active-passive/)`,
      );
    }
    if (opts.regions.length === 0) {
      throw new QuorumError('INVALID_CONFIG', 'regions: list every region of the topology');
    }
    for (const r of opts.regions) validateRegion(r, 'regions');
    const hosts = typeof opts.hosts === 'string' ? [opts.hosts] : opts.hosts;
    if (hosts.length === 0) {
      throw new QuorumError('INVALID_CONFIG', "hosts: give the local etcd member's client URL");
    }
    this.namespace = opts.namespace;
    this.regions = [...opts.regions];
    this.callTimeoutMs = opts.callTimeoutMs ?? 1000;
    this.log = opts.logger ?? pino({ name: 'meridian-quorum' });
    const callTimeoutMs = this.callTimeoutMs;
    this.root = new Etcd3({
      hosts,
      dialTimeout: callTimeoutMs,
      // Streams (watch, keepalive) carry their own deadlines where needed; unary calls get this one.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
      faultHandling: { host: () => passThrough, global: passThrough, watchBackoff: constantBackoff },
    });
    this.client = this.root.namespace(opts.namespace);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The full etcd key of a namespace-relative key. */
  key(relative: string): Buffer {
    return Buffer.from(this.namespace + relative);
  }

  /** Call options with a deadline `ms` from now (default: callTimeoutMs). */
  deadline(ms = this.callTimeoutMs): { deadline: number } {
    return { deadline: Date.now() + ms };
  }

  assertOpen(): void {
    if (this.closed) throw new QuorumError('CLOSED', 'the quorum client is closed');
  }

  /**
   * One transaction with raw comparisons (prefix ranges included, which etcd3's builder lacks);
   * `success`/`failure` are put/range requests on namespace-relative keys.
   */
  async txn(
    what: string,
    compare: readonly RawCompare[],
    success: readonly TxnOp[],
    failure: readonly TxnOp[] = [],
  ): Promise<{ succeeded: boolean; revision: string; ranges: IKeyValue[][] }> {
    this.assertOpen();
    const toCompare = (c: RawCompare): ICompare => {
      const key = this.key(c.key);
      const field =
        c.target === 'Version'
          ? { version: c.value }
          : c.target === 'Create'
            ? { create_revision: c.value }
            : c.target === 'Mod'
              ? { mod_revision: c.value }
              : { lease: c.value };
      return {
        key,
        ...(c.prefix ? { range_end: prefixEnd(key) } : {}),
        target: CompareTarget[c.target],
        result: CompareResult[c.result],
        ...field,
      };
    };
    const toOp = (op: TxnOp): IRequestOp =>
      op.put !== undefined
        ? {
            request_put: {
              key: this.key(op.put),
              value: Buffer.from(op.value),
              ...(op.lease !== undefined ? { lease: op.lease } : {}),
            },
          }
        : { request_range: { key: this.key(op.get) } };
    try {
      const res = await this.client.kv.txn(
        { compare: compare.map(toCompare), success: success.map(toOp), failure: failure.map(toOp) },
        this.deadline(),
      );
      return {
        succeeded: res.succeeded,
        revision: res.header.revision,
        ranges: res.responses.map((r) => r.response_range?.kvs ?? []),
      };
    } catch (e) {
      throw unreachable(what, e);
    }
  }

  /**
   * Live members (their leases have not expired) of one region, or of all regions, with the store
   * revision the read was served at.
   */
  async members(region?: string): Promise<{ revision: string; members: VersionedMember[] }> {
    this.assertOpen();
    const prefix = region === undefined ? KEYS.membersRoot : KEYS.members(region);
    try {
      const res = await this.client.getAll().prefix(prefix).exec();
      const members = res.kvs.map((kv) => {
        const key = kv.key.toString().slice(this.namespace.length);
        return {
          value: parseMember(kv.value.toString(), key),
          modRevision: kv.mod_revision,
          lease: kv.lease,
        };
      });
      return { revision: res.header.revision, members };
    } catch (e) {
      throw unreachable(`listing members${region ? ` of ${region}` : ''}`, e);
    }
  }

  /** Closes the etcd client (leases it kept alive are left to expire). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.root.close();
  }
}

/** One operation of `Quorum.txn` (keys relative to the namespace). */
export type TxnOp =
  { put: string; value: string; lease?: string; get?: undefined } | { get: string; put?: undefined };

/** Every topology has its own key prefix in etcd (the CLI, the controller and the dashboard agree on it). */
export function quorumNamespace(t: { name: string }): string {
  return `/meridian/${t.name}/`;
}
