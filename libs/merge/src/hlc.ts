import { compareStrings } from './canonical';
import { HlcLogicalOverflowError, HlcSkewError, InvalidHlcError } from './errors';

/**
 * Hybrid logical clock stamp. These three fields are exactly what the event envelope carries.
 * Order: wallMs, then logical, then nodeId (UTF-16 code units) — a total order across nodes.
 */
export interface Hlc {
  readonly wallMs: number;
  readonly logical: number;
  readonly nodeId: string;
}

/** Fits a signed 32-bit Avro `int`, so the envelope field needs no `long`. */
export const MAX_LOGICAL = 2 ** 31 - 1;
/** Node ids are printable ASCII without spaces, so byte order equals UTF-16 order in every language. */
const NODE_ID = /^[\x21-\x7e]{1,128}$/;
const WALL_DIGITS = 16; // Number.MAX_SAFE_INTEGER has 16 digits
const LOGICAL_DIGITS = 10;

export function isValidNodeId(nodeId: unknown): nodeId is string {
  return typeof nodeId === 'string' && NODE_ID.test(nodeId);
}

/** Validates untrusted envelope fields (e.g. decoded from Avro) and returns a clean stamp. */
export function hlcFromFields(fields: { wallMs: unknown; logical: unknown; nodeId: unknown }): Hlc {
  const { wallMs, logical, nodeId } = fields;
  if (typeof wallMs !== 'number' || !Number.isSafeInteger(wallMs) || wallMs < 0) {
    throw new InvalidHlcError(`wallMs must be a non-negative safe integer, got ${String(wallMs)}`);
  }
  if (typeof logical !== 'number' || !Number.isInteger(logical) || logical < 0 || logical > MAX_LOGICAL) {
    throw new InvalidHlcError(`logical must be an integer in [0, ${MAX_LOGICAL}], got ${String(logical)}`);
  }
  if (!isValidNodeId(nodeId)) {
    throw new InvalidHlcError(
      `nodeId must be 1-128 printable ASCII characters, got ${JSON.stringify(nodeId)}`,
    );
  }
  return { wallMs, logical, nodeId };
}

export function hlcToFields(h: Hlc): { wallMs: number; logical: number; nodeId: string } {
  return { wallMs: h.wallMs, logical: h.logical, nodeId: h.nodeId };
}

export function compareHlc(a: Hlc, b: Hlc): -1 | 0 | 1 {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  return compareStrings(a.nodeId, b.nodeId);
}

/**
 * Fixed-width form `<wallMs:16 digits>.<logical:10 digits>.<nodeId>`: plain string comparison
 * (or a DB index on it) gives the same order as `compareHlc`.
 */
export function hlcToString(h: Hlc): string {
  return `${String(h.wallMs).padStart(WALL_DIGITS, '0')}.${String(h.logical).padStart(LOGICAL_DIGITS, '0')}.${h.nodeId}`;
}

export function hlcFromString(s: string): Hlc {
  const m = /^(\d{16})\.(\d{10})\.(.+)$/s.exec(s);
  if (!m) throw new InvalidHlcError(`not an HLC string: ${JSON.stringify(s)}`);
  return hlcFromFields({ wallMs: Number(m[1]), logical: Number(m[2]), nodeId: m[3] });
}

export interface HlcClockOptions {
  nodeId: string;
  /** Injectable for tests; defaults to `Date.now`. */
  wallClockMs?: () => number;
  /** A remote stamp more than this far ahead of our wall clock is rejected, not adopted. Default 60 000. */
  maxForwardSkewMs?: number;
}

/**
 * The clock is the one stateful object in the library (a clock has to remember its last stamp);
 * every CRDT state is an immutable value.
 */
export class HybridLogicalClock {
  readonly nodeId: string;
  readonly maxForwardSkewMs: number;
  private readonly wallClockMs: () => number;
  private last: Hlc | undefined;

  constructor(options: HlcClockOptions) {
    if (!isValidNodeId(options.nodeId))
      throw new InvalidHlcError(`invalid nodeId ${JSON.stringify(options.nodeId)}`);
    const skew = options.maxForwardSkewMs ?? 60_000;
    if (!Number.isSafeInteger(skew) || skew < 0)
      throw new InvalidHlcError(`invalid maxForwardSkewMs ${skew}`);
    this.nodeId = options.nodeId;
    this.maxForwardSkewMs = skew;
    this.wallClockMs = options.wallClockMs ?? Date.now;
  }

  /** Last stamp issued, if any (e.g. to persist and restore with `restore`). */
  current(): Hlc | undefined {
    return this.last;
  }

  /** Resume after a restart so stamps never go backwards even if the wall clock did. */
  restore(last: Hlc): void {
    this.last = hlcFromFields({ ...last, nodeId: this.nodeId });
  }

  /** Stamp a local event. */
  now(): Hlc {
    const wall = this.readWall();
    const last = this.last;
    const next =
      last === undefined || wall > last.wallMs
        ? { wallMs: wall, logical: 0, nodeId: this.nodeId }
        : { wallMs: last.wallMs, logical: this.bump(last.wallMs, last.logical), nodeId: this.nodeId };
    this.last = next;
    return next;
  }

  /**
   * Merge a remote stamp (before applying its event) and return the new local stamp, which is
   * greater than both. Throws HlcSkewError, without changing the clock, if the remote is too far ahead:
   * adopting it would drag every later local stamp into the future.
   */
  receive(remote: Hlc): Hlc {
    const r = hlcFromFields(remote);
    const wall = this.readWall();
    if (r.wallMs - wall > this.maxForwardSkewMs)
      throw new HlcSkewError(r.wallMs, wall, this.maxForwardSkewMs);
    const lastWall = this.last?.wallMs ?? -1;
    const lastLogical = this.last?.logical ?? -1;
    const maxWall = Math.max(wall, lastWall, r.wallMs);
    let logical: number;
    if (maxWall === lastWall && maxWall === r.wallMs)
      logical = this.bump(maxWall, Math.max(lastLogical, r.logical));
    else if (maxWall === lastWall) logical = this.bump(maxWall, lastLogical);
    else if (maxWall === r.wallMs) logical = this.bump(maxWall, r.logical);
    else logical = 0;
    const next = { wallMs: maxWall, logical, nodeId: this.nodeId };
    this.last = next;
    return next;
  }

  private bump(wallMs: number, logical: number): number {
    if (logical >= MAX_LOGICAL) throw new HlcLogicalOverflowError(wallMs);
    return logical + 1;
  }

  private readWall(): number {
    const wall = this.wallClockMs();
    if (!Number.isSafeInteger(wall) || wall < 0) throw new InvalidHlcError(`wall clock returned ${wall}`);
    return wall;
  }
}
