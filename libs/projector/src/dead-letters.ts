/**
 * The operator's side of the dead-letter topic (`meridian dlq`): reading its records, choosing which
 * to re-apply, building the re-produced record and the marker that says it was re-applied. Pure: the
 * Kafka adapter is `dead-letters.kafka.ts`.
 *
 * Bookkeeping: after a dead letter has been re-produced (acknowledged by every in-sync replica), a
 * *marker* record is appended to the same dead-letter topic and partition naming it. Re-applying
 * skips dead letters that have a marker, so `reapply --all` twice re-applies each once. A crash
 * between the two writes re-applies that record again next time, which the projector's dedup by
 * event identity (origin, seq) makes a no-op.
 */
import { DLQ_HEADERS, type KafkaHeaders } from '@meridian/contract';

/** Headers `meridian dlq reapply` writes. */
export const REAPPLY_HEADERS = {
  /** On a re-produced record and on its marker: `<dlq topic>/<partition>/<offset>` it came from. */
  from: 'meridian-reapplied-from',
  /** On a marker: `<source topic>/<partition>/<offset>` the record was re-produced to. */
  to: 'meridian-reapplied-to',
  /** On a marker only: what the marker records (`reapplied`). */
  marker: 'meridian-dlq-marker',
} as const;

export const REAPPLIED_MARKER = 'reapplied';

/** Header names only the dead-letter topic uses: stripped when a record is re-produced. */
const DLQ_ONLY_HEADERS: ReadonlySet<string> = new Set([
  ...Object.values(DLQ_HEADERS),
  REAPPLY_HEADERS.from,
  REAPPLY_HEADERS.to,
  REAPPLY_HEADERS.marker,
]);

export type DeadLetterErrorCode =
  'DEAD_LETTER_NOT_FOUND' | 'AMBIGUOUS_OFFSET' | 'BAD_SELECTION' | 'BAD_TIME' | 'DEAD_LETTER_READ_TIMEOUT';

/** A `meridian dlq` request that cannot be served as given; the message says what would work. */
export class DeadLetterError extends Error {
  readonly retriable: boolean;
  override readonly cause?: unknown;
  constructor(
    readonly code: DeadLetterErrorCode,
    message: string,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** One record of the dead-letter topic as consumed (kafkajs' shape, without kafkajs). */
export interface DeadLetterRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: KafkaHeaders;
  /** Record timestamp (ms since the epoch, a string): when it was dead-lettered. */
  readonly timestamp: string;
}

export interface TopicAddress {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** A dead-lettered record with what its headers say. */
export interface DeadLetter {
  /** Where it sits in the dead-letter topic. */
  readonly at: TopicAddress;
  readonly code: string;
  readonly reason: string;
  readonly retriable: boolean;
  /** The record it is a copy of; `undefined` when the headers do not say (cannot be re-applied). */
  readonly source: TopicAddress | undefined;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The record's own headers, without the dead-letter ones. */
  readonly originalHeaders: Readonly<Record<string, string | Buffer>>;
  /** Every header as stored, as text (`inspect`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly deadLetteredAtMs: number;
  /** Set when this record was itself a re-applied one that was dead-lettered again. */
  readonly reappliedFrom: string | undefined;
}

export interface ReappliedMarker {
  readonly at: TopicAddress;
  /** `<dlq topic>/<partition>/<offset>` of the dead letter. */
  readonly from: string;
  /** Where it was re-produced, when known. */
  readonly to: string | undefined;
  readonly atMs: number;
}

/** A dead-letter topic read up to its end: dead letters in log order, and which were re-applied. */
export interface DeadLetterIndex {
  readonly topic: string;
  readonly letters: readonly DeadLetter[];
  /** By dead-letter address (`addressOf(letter.at)`): the first marker naming it. */
  readonly reapplied: ReadonlyMap<string, ReappliedMarker>;
}

export function addressOf(a: TopicAddress): string {
  return `${a.topic}/${a.partition}/${a.offset}`;
}

/** Header value as text (Kafka allows repeats; ours are written once: the first counts). */
function text(v: KafkaHeaders[string]): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : first;
}

function timeOf(timestamp: string): number {
  const n = Number(timestamp);
  return Number.isSafeInteger(n) ? n : 0;
}

/** Reads a dead-letter topic's records: markers are bookkeeping, every other record is a dead letter. */
export function indexDeadLetters(topic: string, records: readonly DeadLetterRecord[]): DeadLetterIndex {
  const letters: DeadLetter[] = [];
  const reapplied = new Map<string, ReappliedMarker>();
  const ordered = [...records].sort((a, b) =>
    a.partition !== b.partition ? a.partition - b.partition : BigInt(a.offset) < BigInt(b.offset) ? -1 : 1,
  );
  for (const r of ordered) {
    const at = { topic, partition: r.partition, offset: r.offset };
    const headers: Record<string, string> = {};
    const originalHeaders: Record<string, string | Buffer> = {};
    for (const [k, v] of Object.entries(r.headers)) {
      const t = text(v);
      if (t === undefined) continue;
      headers[k] = t;
      const first = Array.isArray(v) ? v[0] : v;
      if (!DLQ_ONLY_HEADERS.has(k) && first !== undefined) originalHeaders[k] = first;
    }
    if (headers[REAPPLY_HEADERS.marker] === REAPPLIED_MARKER) {
      const from = headers[REAPPLY_HEADERS.from];
      if (from && !reapplied.has(from))
        reapplied.set(from, { at, from, to: headers[REAPPLY_HEADERS.to], atMs: timeOf(r.timestamp) });
      continue;
    }
    const sourceTopic = headers[DLQ_HEADERS.topic];
    const sourcePartition = Number(headers[DLQ_HEADERS.partition]);
    const sourceOffset = headers[DLQ_HEADERS.offset];
    const source =
      sourceTopic && Number.isInteger(sourcePartition) && sourceOffset && /^\d+$/.test(sourceOffset)
        ? { topic: sourceTopic, partition: sourcePartition, offset: sourceOffset }
        : undefined;
    letters.push({
      at,
      code: headers[DLQ_HEADERS.code] ?? 'UNLABELLED',
      reason: headers[DLQ_HEADERS.reason] ?? '',
      retriable: headers[DLQ_HEADERS.retriable] === 'true',
      source,
      key: r.key,
      value: r.value,
      originalHeaders,
      headers,
      deadLetteredAtMs: timeOf(r.timestamp),
      reappliedFrom: headers[REAPPLY_HEADERS.from],
    });
  }
  return { topic, letters, reapplied };
}

/**
 * `--since`: an ISO-8601 time, epoch milliseconds, or a duration back from `nowMs` (`90s`, `15m`,
 * `2h`, `7d`).
 */
export function parseSince(v: string, nowMs: number): number {
  const d = /^(\d+)(ms|s|m|h|d)$/.exec(v.trim());
  if (d) {
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[d[2] as 'ms'];
    return nowMs - Number(d[1]) * unit;
  }
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (!Number.isFinite(t))
    throw new DeadLetterError(
      'BAD_TIME',
      `--since "${v}": give an ISO-8601 time (2026-12-01T10:00:00Z), epoch ms, or a duration (90s, 15m, 2h, 7d)`,
    );
  return t;
}

/** `--offset`: `<offset>` or `<partition>/<offset>` of the dead-letter topic. */
export interface OffsetRef {
  readonly partition: number | undefined;
  readonly offset: string;
}

export function parseOffsetRef(v: string, partition?: string): OffsetRef {
  const m = /^(?:(\d+)[/:])?(\d+)$/.exec(v.trim());
  const p = partition ?? m?.[1];
  if (!m || (p !== undefined && !/^\d+$/.test(p)))
    throw new DeadLetterError(
      'BAD_SELECTION',
      `--offset "${v}"${partition !== undefined ? ` --partition "${partition}"` : ''}: give the dead-letter ` +
        'offset as <offset> or <partition>/<offset>, as `meridian dlq list` prints it',
    );
  return { partition: p === undefined ? undefined : Number(p), offset: m[2]! };
}

/** The one dead letter at `ref`; throws naming the candidates when a bare offset fits several partitions. */
export function findDeadLetter(index: DeadLetterIndex, ref: OffsetRef): DeadLetter {
  const hits = index.letters.filter(
    (l) => l.at.offset === ref.offset && (ref.partition === undefined || l.at.partition === ref.partition),
  );
  if (hits.length === 1) return hits[0]!;
  const where = ref.partition === undefined ? ref.offset : `${ref.partition}/${ref.offset}`;
  if (hits.length === 0) {
    const marker = [...index.reapplied.values()].find(
      (m) => m.at.offset === ref.offset && (ref.partition === undefined || m.at.partition === ref.partition),
    );
    throw new DeadLetterError(
      'DEAD_LETTER_NOT_FOUND',
      marker
        ? `${index.topic} ${where} is a re-apply marker (of ${marker.from}), not a dead letter`
        : `no dead letter at ${where} in ${index.topic} (${index.letters.length} dead letters; see \`meridian dlq list\`)`,
    );
  }
  throw new DeadLetterError(
    'AMBIGUOUS_OFFSET',
    `offset ${ref.offset} exists in partitions ${hits.map((h) => h.at.partition).join(', ')} of ${index.topic}: ` +
      `give <partition>/<offset>, e.g. ${hits[0]!.at.partition}/${ref.offset}`,
  );
}

export interface Selection {
  /** One dead letter. */
  readonly offset?: OffsetRef;
  /** Dead letters with this code. */
  readonly code?: string;
  /** Every dead letter (with `code`/`sinceMs`, every one of those). */
  readonly all?: boolean;
  /** Dead-lettered at or after this time. */
  readonly sinceMs?: number;
  /** Also those re-applied before (`--force`). */
  readonly includeReapplied?: boolean;
}

export interface Selected {
  /** To re-apply, in log order. */
  readonly selected: readonly DeadLetter[];
  /** Matched, but a marker says they were re-applied already. */
  readonly alreadyReapplied: readonly DeadLetter[];
  /** Matched, but their headers name no source record. */
  readonly noSource: readonly DeadLetter[];
}

/** Which dead letters a `reapply` means. Exactly one of `offset`, `code`, `all` says what, as the CLI requires. */
export function selectDeadLetters(index: DeadLetterIndex, s: Selection): Selected {
  const modes = [s.offset !== undefined, s.code !== undefined && !s.all, Boolean(s.all)].filter(Boolean);
  if (modes.length !== 1)
    throw new DeadLetterError(
      'BAD_SELECTION',
      'choose what to re-apply: --offset <n>, --code <CODE> or --all',
    );
  const matched = s.offset
    ? [findDeadLetter(index, s.offset)]
    : index.letters.filter(
        (l) =>
          (s.code === undefined || l.code === s.code) &&
          (s.sinceMs === undefined || l.deadLetteredAtMs >= s.sinceMs),
      );
  const selected: DeadLetter[] = [];
  const alreadyReapplied: DeadLetter[] = [];
  const noSource: DeadLetter[] = [];
  for (const l of matched) {
    if (!l.source) noSource.push(l);
    else if (!s.includeReapplied && index.reapplied.has(addressOf(l.at))) alreadyReapplied.push(l);
    else selected.push(l);
  }
  return { selected, alreadyReapplied, noSource };
}

/** Dead letters to show (`list`): by code and time; `pendingOnly` hides those re-applied. */
export function filterDeadLetters(
  index: DeadLetterIndex,
  f: { code?: string; sinceMs?: number; pendingOnly?: boolean },
): DeadLetter[] {
  return index.letters.filter(
    (l) =>
      (f.code === undefined || l.code === f.code) &&
      (f.sinceMs === undefined || l.deadLetteredAtMs >= f.sinceMs) &&
      (!f.pendingOnly || !index.reapplied.has(addressOf(l.at))),
  );
}

/** A record to produce (kafkajs' message shape plus its topic). */
export interface OutgoingRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string | Buffer>;
  readonly timestamp: string;
}

/**
 * The record that re-applies `letter`: to its source topic and partition (the aggregate's partition,
 * so it stays with the aggregate's other events), same key, value and original headers, plus where it
 * came from. Its timestamp is `nowMs`: local topics are `LogAppendTime` (the broker stamps it anyway),
 * mirrored ones `CreateTime`, so both get a new time and the skew rule judges the record as of now.
 */
export function reapplyRecord(letter: DeadLetter, nowMs: number): OutgoingRecord {
  if (!letter.source)
    throw new DeadLetterError(
      'BAD_SELECTION',
      `${addressOf(letter.at)} names no source topic/partition/offset: it cannot be re-applied`,
    );
  return {
    topic: letter.source.topic,
    partition: letter.source.partition,
    key: letter.key,
    value: letter.value,
    headers: { ...letter.originalHeaders, [REAPPLY_HEADERS.from]: addressOf(letter.at) },
    timestamp: String(nowMs),
  };
}

/** The marker saying `letter` was re-applied to `to`: same dead-letter partition, no key. */
export function reappliedMarkerRecord(
  letter: DeadLetter,
  to: TopicAddress | undefined,
  nowMs: number,
): OutgoingRecord {
  const from = addressOf(letter.at);
  const headers: Record<string, string> = {
    [REAPPLY_HEADERS.marker]: REAPPLIED_MARKER,
    [REAPPLY_HEADERS.from]: from,
    [DLQ_HEADERS.code]: letter.code,
  };
  if (to) headers[REAPPLY_HEADERS.to] = addressOf(to);
  return {
    topic: letter.at.topic,
    partition: letter.at.partition,
    key: null,
    value: Buffer.from(JSON.stringify({ reapplied: from, to: to ? addressOf(to) : null, code: letter.code })),
    headers,
    timestamp: String(nowMs),
  };
}

export interface CodeCount {
  readonly code: string;
  readonly reapplied: number;
  readonly alreadyReapplied: number;
  readonly noSource: number;
}

/** Per code, how many were re-applied (or would be, on a dry run) and how many were not, and why. */
export function countByCode(s: Selected, reappliedCount = s.selected.length): CodeCount[] {
  const by = new Map<string, { reapplied: number; alreadyReapplied: number; noSource: number }>();
  const bump = (code: string, k: 'reapplied' | 'alreadyReapplied' | 'noSource') => {
    const c = by.get(code) ?? { reapplied: 0, alreadyReapplied: 0, noSource: 0 };
    c[k]++;
    by.set(code, c);
  };
  s.selected.slice(0, reappliedCount).forEach((l) => bump(l.code, 'reapplied'));
  s.alreadyReapplied.forEach((l) => bump(l.code, 'alreadyReapplied'));
  s.noSource.forEach((l) => bump(l.code, 'noSource'));
  return [...by].map(([code, c]) => ({ code, ...c })).sort((a, b) => a.code.localeCompare(b.code));
}

/** The first `bytes` bytes as hex, with the total length: what `inspect` shows of an undecodable value. */
export function hexPrefix(value: Buffer | null, bytes = 64): string {
  if (value === null) return '(null: a tombstone)';
  const head = value.subarray(0, bytes).toString('hex').replace(/(..)/g, '$1 ').trim();
  return value.length > bytes ? `${head} … (${value.length} bytes)` : `${head} (${value.length} bytes)`;
}

/** `12s`, `5m`, `3h`, `2d`: how long ago. */
export function formatAge(ms: number): string {
  if (ms < 0) return '0s';
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h`;
  return `${Math.floor(ms / 86_400_000)}d`;
}
