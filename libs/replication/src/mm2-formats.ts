import { MeridianError } from '@meridian/errors';

/**
 * MirrorMaker 2's binary record formats (big-endian; Kafka STRING = int16 length + UTF-8), as written
 * by its OffsetSync and Heartbeat classes. Parsed here because we read MM2's internal topics directly.
 */
export interface OffsetSync {
  topic: string;
  partition: number;
  upstreamOffset: bigint;
  downstreamOffset: bigint;
}

/** A MirrorMaker 2 internal record (offset-sync, checkpoint) that does not parse: not worth retrying. */
export class FormatError extends MeridianError<'MM2_FORMAT'> {
  constructor(message: string) {
    super('MM2_FORMAT', message);
  }
}

function readString(buf: Buffer, at: number): [string, number] {
  if (at + 2 > buf.length) throw new FormatError('truncated string length');
  const len = buf.readInt16BE(at);
  if (len < 0 || at + 2 + len > buf.length) throw new FormatError('truncated string');
  return [buf.toString('utf8', at + 2, at + 2 + len), at + 2 + len];
}

/** Key: STRING topic, INT32 partition. Value: INT64 upstream offset, INT64 downstream offset. */
export function parseOffsetSync(key: Buffer, value: Buffer): OffsetSync {
  const [topic, at] = readString(key, 0);
  if (at + 4 > key.length) throw new FormatError('offset-sync key without partition');
  if (value.length < 16) throw new FormatError('offset-sync value shorter than 16 bytes');
  return {
    topic,
    partition: key.readInt32BE(at),
    upstreamOffset: value.readBigInt64BE(0),
    downstreamOffset: value.readBigInt64BE(8),
  };
}

export function encodeOffsetSync(s: OffsetSync): { key: Buffer; value: Buffer } {
  const t = Buffer.from(s.topic, 'utf8');
  const key = Buffer.alloc(2 + t.length + 4);
  key.writeInt16BE(t.length, 0);
  t.copy(key, 2);
  key.writeInt32BE(s.partition, 2 + t.length);
  const value = Buffer.alloc(16);
  value.writeBigInt64BE(s.upstreamOffset, 0);
  value.writeBigInt64BE(s.downstreamOffset, 8);
  return { key, value };
}

export interface Heartbeat {
  sourceAlias: string;
  targetAlias: string;
  timestampMs: number;
}

/** Key: STRING source alias, STRING target alias. Value: INT16 version, INT64 timestamp (ms). */
export function parseHeartbeat(key: Buffer, value: Buffer): Heartbeat {
  const [sourceAlias, at] = readString(key, 0);
  const [targetAlias] = readString(key, at);
  if (value.length < 10) throw new FormatError('heartbeat value shorter than 10 bytes');
  return { sourceAlias, targetAlias, timestampMs: Number(value.readBigInt64BE(2)) };
}

/** In region B, the offset-syncs of flow A→B (`offset-syncs.topic.location=target`). */
export function offsetSyncsTopic(sourceRegion: string): string {
  return `mm2-offset-syncs.${sourceRegion}.internal`;
}
