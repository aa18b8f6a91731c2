import type { MeridianEvent } from '@meridian/contract';
import {
  addressOf,
  type CodeCount,
  type DeadLetter,
  type DeadLetterIndex,
  formatAge,
  hexPrefix,
  type ReappliedMarker,
} from '@meridian/projector';

/** A dead letter's value decoded under today's registry, or why it still is not. */
export type Decoded =
  | { readonly ok: true; readonly event: MeridianEvent }
  | { readonly ok: false; readonly code: string; readonly message: string };

export const LIST_HEAD = ['offset', 'code', 'source', 'event', 'reason', 'age', 're-applied'];

/** `CreditAdjusted profile/ada`, or `–` when it does not decode. */
function eventCell(d: Decoded | undefined): string {
  if (!d?.ok) return '–';
  const e = d.event.envelope;
  return `${d.event.type.slice(d.event.type.lastIndexOf('.') + 1)} ${e.aggregateType}/${e.aggregateId}`;
}

function sourceCell(l: DeadLetter): string {
  return l.source ? `${l.source.topic}[${l.source.partition}]@${l.source.offset}` : '(unknown)';
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** One row of `meridian dlq list` (the offset is `<partition>/<offset>` of the dead-letter topic). */
export function listRow(
  l: DeadLetter,
  marker: ReappliedMarker | undefined,
  decoded: Decoded | undefined,
  nowMs: number,
  reasonWidth = 60,
): string[] {
  return [
    `${l.at.partition}/${l.at.offset}`,
    l.code,
    sourceCell(l),
    eventCell(decoded),
    oneLine(l.reason, reasonWidth),
    formatAge(nowMs - l.deadLetteredAtMs),
    marker ? `yes, ${formatAge(nowMs - marker.atMs)} ago` : '',
  ];
}

/** What `list --json` prints for one dead letter. */
export function listJson(
  l: DeadLetter,
  marker: ReappliedMarker | undefined,
  decoded: Decoded | undefined,
  nowMs: number,
) {
  return {
    partition: l.at.partition,
    offset: l.at.offset,
    code: l.code,
    reason: l.reason,
    retriable: l.retriable,
    source: l.source ?? null,
    event: decoded?.ok
      ? {
          type: decoded.event.type,
          aggregateType: decoded.event.envelope.aggregateType,
          aggregateId: decoded.event.envelope.aggregateId,
          eventId: decoded.event.envelope.eventId,
          origin: decoded.event.envelope.hlc.nodeId,
          seq: decoded.event.envelope.seq,
        }
      : null,
    deadLetteredAtMs: l.deadLetteredAtMs,
    ageMs: nowMs - l.deadLetteredAtMs,
    reappliedFrom: l.reappliedFrom ?? null,
    reapplied: marker ? { to: marker.to ?? null, atMs: marker.atMs, marker: addressOf(marker.at) } : null,
  };
}

/** What `inspect --json` prints. */
export function inspectJson(
  l: DeadLetter,
  marker: ReappliedMarker | undefined,
  decoded: Decoded,
  nowMs: number,
) {
  return {
    ...listJson(l, marker, decoded, nowMs),
    topic: l.at.topic,
    key: l.key?.toString('utf8') ?? null,
    headers: l.headers,
    valueBytes: l.value?.length ?? null,
    decoded: decoded.ok ? decoded.event : null,
    decodeError: decoded.ok ? null : { code: decoded.code, message: decoded.message },
    rawHex: decoded.ok ? null : hexPrefix(l.value),
  };
}

/** `meridian dlq inspect` as text: every header, then the event or the raw bytes. */
export function inspectText(
  l: DeadLetter,
  marker: ReappliedMarker | undefined,
  decoded: Decoded,
  nowMs: number,
): string {
  const lines = [
    `${l.at.topic} ${l.at.partition}/${l.at.offset}  ${l.code}${l.retriable ? ' (retriable)' : ''}, ` +
      `dead-lettered ${new Date(l.deadLetteredAtMs).toISOString()} (${formatAge(nowMs - l.deadLetteredAtMs)} ago)`,
    `source     ${sourceCell(l)}`,
    `key        ${l.key === null ? '(null)' : l.key.toString('utf8')}`,
    `re-applied ${marker ? `${new Date(marker.atMs).toISOString()} to ${marker.to ?? '?'} (marker ${addressOf(marker.at)})` : 'no'}`,
    'headers',
    ...Object.entries(l.headers).map(([k, v]) => `  ${k}: ${v}`),
  ];
  if (decoded.ok)
    lines.push('event (decodes under the registry now)', JSON.stringify(decoded.event, null, 2));
  else
    lines.push(
      `event: does not decode now: [${decoded.code}] ${decoded.message}`,
      `value ${hexPrefix(l.value)}`,
    );
  return lines.join('\n');
}

export const SUMMARY_HEAD = ['code', 're-applied', 'already re-applied', 'no source'];

export function summaryRows(counts: readonly CodeCount[]): string[][] {
  return counts.map((c) => [c.code, String(c.reapplied), String(c.alreadyReapplied), String(c.noSource)]);
}

/** The dead-letter topic at a glance: how many, how many re-applied. */
export function indexSummary(index: DeadLetterIndex, shown: number): string {
  const reapplied = index.letters.filter((l) => index.reapplied.has(addressOf(l.at))).length;
  return `${index.topic}: ${index.letters.length} dead letter(s), ${reapplied} re-applied; ${shown} shown`;
}
