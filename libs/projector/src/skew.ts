/**
 * The forward-skew rule of the projector, as a pure function of the record: the same record is
 * accepted or dead-lettered in every region, by a live projector, by one catching up after a crash
 * and by a replay, whatever their own clocks say and however late they read it.
 */

/** A projector's default bound, and replay's (they must agree: see `decideSkew`). */
export const DEFAULT_MAX_FORWARD_SKEW_MS = 60_000;

export interface SkewInput {
  /** The event's HLC wall time (`envelope.hlc.wallMs`). */
  readonly hlcWallMs: number;
  /**
   * The Kafka record timestamp as consumed (ms since the epoch, as kafkajs gives it: a string).
   * MirrorMaker 2 copies the origin record's timestamp, so every region sees the same value.
   */
  readonly recordTimestamp: string;
  readonly maxForwardSkewMs: number;
}

export type SkewDecision =
  | { readonly accepted: true; readonly aheadMs: number }
  | {
      readonly accepted: false;
      readonly code: 'CLOCK_SKEW';
      /** HLC wall time minus record timestamp; `undefined` when the record has no usable timestamp. */
      readonly aheadMs: number | undefined;
      readonly reason: string;
    };

/**
 * Accepts a record whose HLC wall time is at most `maxForwardSkewMs` ahead of its record timestamp
 * (the moment the origin cluster stored it: the producer's clock at send for `CreateTime` topics, the
 * broker's for `LogAppendTime`). An HLC behind the timestamp is fine (an event is stamped before it
 * is sent). A record without a usable timestamp (`-1`, `0`, not an integer) cannot be bounded and is
 * refused: falling back to the projector's clock would make the decision depend on when it is read.
 */
export function decideSkew(i: SkewInput): SkewDecision {
  const ts = Number(i.recordTimestamp);
  if (!/^\d+$/.test(i.recordTimestamp) || !Number.isSafeInteger(ts) || ts <= 0) {
    return {
      accepted: false,
      code: 'CLOCK_SKEW',
      aheadMs: undefined,
      reason:
        `HLC wallMs ${i.hlcWallMs} cannot be bounded: the record timestamp ` +
        `${JSON.stringify(i.recordTimestamp)} is not a time (max forward skew ${i.maxForwardSkewMs} ms)`,
    };
  }
  const aheadMs = i.hlcWallMs - ts;
  if (aheadMs > i.maxForwardSkewMs) {
    return {
      accepted: false,
      code: 'CLOCK_SKEW',
      aheadMs,
      reason:
        `HLC wallMs ${i.hlcWallMs} is ${aheadMs} ms ahead of the record timestamp ${ts}; ` +
        `max forward skew is ${i.maxForwardSkewMs} ms (the writer's clock was ahead)`,
    };
  }
  return { accepted: true, aheadMs };
}
