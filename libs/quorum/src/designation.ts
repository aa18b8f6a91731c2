import type { IKeyValue } from 'etcd3';
import { DesignationConflictError, QuorumError, unreachable } from './errors';
import { type Designation, KEYS, parseDesignation, validateRegion, type VersionedDesignation } from './model';
import type { Quorum, RawCompare } from './quorum';

function versioned(kv: IKeyValue): VersionedDesignation {
  return { value: parseDesignation(kv.value.toString()), modRevision: kv.mod_revision };
}

/** The designation (linearizable read), or `undefined` when none was ever written. */
export async function readDesignation(q: Quorum): Promise<VersionedDesignation | undefined> {
  q.assertOpen();
  try {
    const res = await q.client.get(KEYS.designation).exec();
    const kv = res.kvs[0];
    return kv ? versioned(kv) : undefined;
  } catch (e) {
    throw unreachable('reading the designation', e);
  }
}

/** Like `readDesignation`, but a missing designation is a NO_DESIGNATION error. */
export async function requireDesignation(q: Quorum): Promise<VersionedDesignation> {
  const d = await readDesignation(q);
  if (!d) {
    throw new QuorumError(
      'NO_DESIGNATION',
      `no designation under ${q.namespace}: run initDesignation (meridian quorum init) first`,
    );
  }
  return d;
}

/**
 * Creates the first designation (`primary` active at epoch 1) if the namespace has none; otherwise
 * leaves it alone. Returns the designation in force either way.
 */
export async function initDesignation(
  q: Quorum,
  primary: string,
  by = 'init',
): Promise<VersionedDesignation> {
  validateRegion(primary, 'initDesignation');
  if (!q.regions.includes(primary)) {
    throw new QuorumError(
      'UNKNOWN_REGION',
      `initDesignation: "${primary}" is not one of the regions (${q.regions.join(', ')})`,
    );
  }
  const value: Designation = { region: primary, epoch: 1, state: 'active', since: Date.now(), by };
  const res = await q.txn(
    'creating the designation',
    [{ key: KEYS.designation, target: 'Create', result: 'Equal', value: 0 }],
    [{ put: KEYS.designation, value: JSON.stringify(value) }],
    [{ get: KEYS.designation }],
  );
  if (res.succeeded) return { value, modRevision: res.revision };
  const kv = res.ranges[0]?.[0];
  if (!kv)
    throw new QuorumError('CONFLICT', 'the designation vanished while being created', { retriable: true });
  return versioned(kv);
}

/**
 * Compare-and-swap of the designation: writes `next` only if the key's mod revision is still
 * `expected.modRevision` (and the `extra` comparisons hold); otherwise DesignationConflictError.
 * The epoch may not go down.
 */
export async function casDesignation(
  q: Quorum,
  expected: VersionedDesignation,
  next: Designation,
  extra: readonly RawCompare[] = [],
  what = 'changing the designation',
): Promise<VersionedDesignation> {
  if (next.epoch < expected.value.epoch) {
    throw new QuorumError(
      'INVALID_CONFIG',
      `${what}: epoch ${next.epoch} is below the current ${expected.value.epoch} (epochs only grow)`,
    );
  }
  const res = await q.txn(
    what,
    [{ key: KEYS.designation, target: 'Mod', result: 'Equal', value: expected.modRevision }, ...extra],
    [{ put: KEYS.designation, value: JSON.stringify(next) }],
    [{ get: KEYS.designation }],
  );
  if (!res.succeeded) {
    throw new DesignationConflictError(expected.modRevision, res.ranges[0]?.[0]?.mod_revision, what);
  }
  return { value: next, modRevision: res.revision };
}

export interface DesignationWatch {
  /** Stops watching. */
  close(): Promise<void>;
}

/**
 * Calls `onChange` with each new designation (and once with the current one), in revision order.
 * The watch reconnects by itself after a disconnection, resuming after the last revision it saw;
 * `onError` hears about disconnections and unparsable values (it is not a substitute for re-reading:
 * a watch through a member cut off from the quorum simply goes quiet).
 */
export function watchDesignation(
  q: Quorum,
  onChange: (d: VersionedDesignation | undefined) => void,
  onError: (e: QuorumError) => void = () => undefined,
): DesignationWatch {
  q.assertOpen();
  let latest: string | undefined;
  const deliver = (d: VersionedDesignation | undefined, rev: string): void => {
    if (latest !== undefined && BigInt(rev) <= BigInt(latest)) return;
    latest = rev;
    onChange(d);
  };
  const watcher = q.client.watch().key(KEYS.designation).watcher();
  watcher.on('put', (kv) => {
    try {
      deliver(versioned(kv), kv.mod_revision);
    } catch (e) {
      onError(e as QuorumError);
    }
  });
  watcher.on('delete', (kv) => deliver(undefined, kv.mod_revision));
  watcher.on('disconnected', (e) => onError(unreachable('watching the designation', e)));
  watcher.on('error', (e) => onError(unreachable('watching the designation', e)));
  readDesignation(q)
    .then((d) => d && deliver(d, d.modRevision))
    .catch((e: unknown) => onError(unreachable('reading the designation', e)));
  return { close: () => watcher.cancel() };
}
