/**
 * Validation and encoding of a commit, shared by the adapters and done before any transaction
 * begins: malformed input fails fast with `INVALID_BATCH`, never half way through a write.
 */
import { aggregateIdProblem, aggregateTypeProblem } from '@meridian/domain';
import { encodeState, sha256Hex } from './codec';
import { InvalidBatchError } from './errors';
import type { AggregateKey, BatchCommit, StoreCounters } from './store';

export interface PreparedDocument {
  aggregateType: string;
  aggregateId: string;
  stateText: string;
  digest: string;
  updatedAtMs: number;
  /** The state as given (what `stateText` encodes), for the writer's document cache. */
  state: unknown;
}

export interface PreparedPosition {
  topic: string;
  partition: number;
  nextOffset: bigint;
  /** `undefined`: monotonic only; `null`: no stored row expected; bigint: stored offset expected. */
  expected: bigint | null | undefined;
  sourceRegion: string;
  lastHlc: string | null;
  appliedAtMs: number;
}

export interface PreparedBatch {
  documents: PreparedDocument[];
  positions: PreparedPosition[];
  /** Only the non-zero increments, by column name. */
  counters: [CounterName, number][];
}

export type CounterName = 'applied' | 'dead_lettered' | 'duplicates' | 'lww_conflicts';
export const COUNTER_NAMES: Record<keyof StoreCounters, CounterName> = {
  applied: 'applied',
  deadLettered: 'dead_lettered',
  duplicates: 'duplicates',
  lwwConflicts: 'lww_conflicts',
};

// Tabs and newlines would make the state-digest lines ambiguous; NUL cannot be stored in PostgreSQL.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const DIGEST = /^[0-9a-f]{64}$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const REGION = /^[A-Za-z0-9._-]{1,64}$/;
const OFFSET = /^(0|[1-9][0-9]{0,18})$/;
const MAX_INT64 = 2n ** 63n - 1n;
const MAX_PARTITION = 2 ** 31 - 1;

export function checkAggregateType(t: unknown, where: string): string {
  const problem = aggregateTypeProblem(t);
  if (problem !== undefined) throw new InvalidBatchError(`${where}: ${problem}`);
  return t as string;
}

export function checkAggregateId(id: unknown, where: string): string {
  const problem = aggregateIdProblem(id);
  if (problem !== undefined) throw new InvalidBatchError(`${where}: ${problem}`);
  return id as string;
}

/**
 * Why the store would refuse this aggregate key, or undefined if it accepts it. For a consumer to
 * dead-letter such an event up front instead of failing every commit that contains it.
 */
export function aggregateKeyProblem(aggregateType: string, aggregateId: string): string | undefined {
  try {
    checkAggregateType(aggregateType, 'key');
    checkAggregateId(aggregateId, 'key');
    return undefined;
  } catch (e) {
    if (e instanceof InvalidBatchError) return e.message;
    throw e;
  }
}

export function checkKeys(keys: readonly AggregateKey[]): void {
  keys.forEach((k, i) => {
    checkAggregateType(k.aggregateType, `keys[${i}]`);
    checkAggregateId(k.aggregateId, `keys[${i}]`);
  });
}

function checkMs(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new InvalidBatchError(`${where} must be a non-negative safe integer (epoch ms), got ${String(v)}`);
  return v;
}

function parseOffset(v: unknown, where: string): bigint {
  if (typeof v !== 'string' || !OFFSET.test(v) || BigInt(v) > MAX_INT64)
    throw new InvalidBatchError(
      `${where} must be a decimal int64 offset >= 0 as a string, got ${JSON.stringify(v)}`,
    );
  return BigInt(v);
}

export function prepareBatch(batch: BatchCommit): PreparedBatch {
  const seenDocs = new Set<string>();
  const documents = batch.documents.map((d, i): PreparedDocument => {
    const where = `documents[${i}]`;
    const aggregateType = checkAggregateType(d.aggregateType, where);
    const aggregateId = checkAggregateId(d.aggregateId, where);
    const key = `${aggregateType}\t${aggregateId}`;
    if (seenDocs.has(key))
      throw new InvalidBatchError(`${where}: ${aggregateType}/${aggregateId} appears twice in one commit`);
    seenDocs.add(key);
    if (d.digest !== undefined && (typeof d.digest !== 'string' || !DIGEST.test(d.digest)))
      throw new InvalidBatchError(`${where}: digest must be 64 lowercase hex characters`);
    const stateText = encodeState(d.state, where);
    const digest = sha256Hex(stateText);
    // The state digest regions compare is built from stored digests: a wrong one would lie forever.
    if (d.digest !== undefined && digest !== d.digest)
      throw new InvalidBatchError(`${where}: digest ${d.digest} is not the SHA-256 of the canonical state`);
    return {
      aggregateType,
      aggregateId,
      stateText,
      digest,
      updatedAtMs: checkMs(d.updatedAtMs, `${where}.updatedAtMs`),
      state: d.state,
    };
  });

  const seenPositions = new Set<string>();
  const positions = batch.positions.map((p, i): PreparedPosition => {
    const where = `positions[${i}]`;
    if (typeof p.topic !== 'string' || !TOPIC.test(p.topic))
      throw new InvalidBatchError(
        `${where}.topic is not a valid Kafka topic name: ${JSON.stringify(p.topic)}`,
      );
    if (!Number.isInteger(p.partition) || p.partition < 0 || p.partition > MAX_PARTITION)
      throw new InvalidBatchError(`${where}.partition must be an integer in 0..${MAX_PARTITION}`);
    const key = `${p.topic}\t${p.partition}`;
    if (seenPositions.has(key))
      throw new InvalidBatchError(`${where}: ${p.topic}[${p.partition}] appears twice in one commit`);
    seenPositions.add(key);
    const nextOffset = parseOffset(p.nextOffset, `${where}.nextOffset`);
    const expected =
      p.expectedNextOffset === undefined || p.expectedNextOffset === null
        ? p.expectedNextOffset
        : parseOffset(p.expectedNextOffset, `${where}.expectedNextOffset`);
    if (typeof expected === 'bigint' && expected > nextOffset)
      throw new InvalidBatchError(
        `${where}: nextOffset ${nextOffset} is below expectedNextOffset ${expected}`,
      );
    if (typeof p.sourceRegion !== 'string' || !REGION.test(p.sourceRegion))
      throw new InvalidBatchError(`${where}.sourceRegion must match ${String(REGION)}`);
    if (
      p.lastHlc !== undefined &&
      (typeof p.lastHlc !== 'string' || p.lastHlc.length > 256 || CONTROL.test(p.lastHlc))
    )
      throw new InvalidBatchError(`${where}.lastHlc must be a printable string of at most 256 characters`);
    return {
      topic: p.topic,
      partition: p.partition,
      nextOffset,
      expected,
      sourceRegion: p.sourceRegion,
      lastHlc: p.lastHlc ?? null,
      appliedAtMs: checkMs(p.appliedAtMs, `${where}.appliedAtMs`),
    };
  });

  const counters: [CounterName, number][] = [];
  for (const [field, name] of Object.entries(COUNTER_NAMES) as [keyof StoreCounters, CounterName][]) {
    const n = batch.counters?.[field];
    if (n === undefined || n === 0) continue;
    const signed = field === 'lwwConflicts';
    if (!Number.isSafeInteger(n) || (!signed && n < 0))
      throw new InvalidBatchError(
        `counters.${field} must be a ${signed ? '' : 'non-negative '}safe integer, got ${String(n)}`,
      );
    counters.push([name, n]);
  }
  return { documents, positions, counters };
}

export const DEFAULT_DIGEST_PAGE = 1_000;
export const MAX_DIGEST_PAGE = 10_000;

export function checkPageLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_DIGEST_PAGE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DIGEST_PAGE)
    throw new InvalidBatchError(`limit must be an integer in 1..${MAX_DIGEST_PAGE}, got ${String(limit)}`);
  return n;
}
