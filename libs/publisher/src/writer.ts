import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  applyOp,
  applyOps,
  ctxHas,
  documentEmpty,
  type Document,
  type HybridLogicalClock,
  type Mutation,
  type Operation,
} from '@meridian/merge';
import { ReadApiClient } from '@meridian/read-api';

/** Where a writer gets the current merged state of an aggregate (the local projector). */
export interface SnapshotSource {
  load(aggregateType: string, aggregateId: string): Promise<Document | undefined>;
}

export interface WriterOptions {
  region: string;
  clock: HybridLogicalClock;
  /** Without one, a writer knows only what it wrote itself (removes then see only its own adds). */
  snapshots?: SnapshotSource;
  /** Aggregates whose causal state is kept in memory; the least recently used are forgotten. */
  maxSessions?: number;
  /** Random by default (128 bits): one per process. */
  instanceId?: string;
}

interface Session {
  origin: string;
  seq: number;
  doc: Document;
  /** Set when a write prepared on it failed: every later write prepared on it must fail too. */
  retired: boolean;
  /** Whether `doc` includes the projector's snapshot (or there is no snapshot source). */
  loaded: boolean;
  /** The snapshot on its way, once a write needed it. */
  loading: Promise<void> | undefined;
  /** The session's own operations while not loaded, applied on top of the snapshot when it comes. */
  own: Operation[];
}

export interface PreparedWrite {
  ops: Operation[];
  /**
   * The key's write is already in the writer's view (applied by the projector, or by this process):
   * nothing to publish; `ops` are the original's identities (same event ids and dots).
   */
  duplicate: boolean;
  /**
   * The write failed or its outcome is unknown: retire its session, so this write and every write
   * prepared after it on the same session (whose view includes it) are refused if not yet sent.
   */
  abort(): void;
  /** False once the session was retired: the write must not be sent. */
  live(): boolean;
}

/** Own operations a session keeps before it fetches the snapshot unasked. */
const MAX_UNLOADED_OPS = 256;

/** Idempotency keys: 1-128 of A-Z a-z 0-9 . _ : - */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The origin of a keyed write: 128 bits of SHA-256 over (aggregate type, aggregate id, key), the same
 * in every region, process and restart, so the merge rules' dedup key `(origin, seq)` is the key's.
 */
export function keyedOrigin(aggregateType: string, aggregateId: string, key: string): string {
  const h = createHash('sha256').update(`${aggregateType}\0${aggregateId}\0${key}`).digest('hex');
  return `k.${h.slice(0, 32)}`;
}

/** Event id of step `seq` of a keyed write: derived, so a replay answers with the original's ids. */
export function keyedEventId(origin: string, seq: number): string {
  const h = createHash('sha256').update(`${origin}:${seq}`).digest('hex');
  // RFC 9562 version 8 (custom) layout.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The writer side of the merge rules. Each aggregate gets a session: an origin (node id) and a
 * gap-free sequence for that origin, plus the writer's view of the document (the projector's
 * snapshot with the writer's own later events applied), from which mutations take their `observed`
 * dots and counter totals. Nothing here is durable on purpose: a session that is forgotten (LRU,
 * restart, failed publish) is never resumed — the next write uses a new origin, so a sequence
 * number can never be reused for a different event.
 */
export class Writer {
  private readonly sessions = new Map<string, Session>();
  private readonly instanceId: string;
  private generation = 0;

  constructor(private readonly opts: WriterOptions) {
    // 128 bits: a collision of two processes' origins would drop one's events as duplicates.
    this.instanceId = opts.instanceId ?? randomBytes(16).toString('hex');
  }

  /** Node id of new sessions: `<region>.<instance>.<generation>` (printable ASCII, no spaces). */
  private nextOrigin(): string {
    return `${this.opts.region}.${this.instanceId}.${this.generation}`;
  }

  /**
   * The aggregate's session, created at once when there is none, with a view holding only its own
   * writes: the projector's snapshot is fetched when a write first needs other writers' dots (see
   * `WriteStep.reads`), so a write that reads only its own origin never waits on it.
   */
  private session(aggregateType: string, aggregateId: string): Session {
    const key = `${aggregateType}/${aggregateId}`;
    const s = this.sessions.get(key);
    if (s && !s.retired) {
      // Refresh LRU position.
      this.sessions.delete(key);
      this.sessions.set(key, s);
      return s;
    }
    const fresh: Session = {
      origin: this.nextOrigin(),
      seq: 0,
      doc: documentEmpty(),
      retired: false,
      loaded: this.opts.snapshots === undefined,
      loading: undefined,
      own: [],
    };
    this.sessions.set(key, fresh);
    const max = this.opts.maxSessions ?? 100_000;
    while (this.sessions.size > max) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
      this.generation++;
    }
    return fresh;
  }

  /** Brings the projector's snapshot into the session's view (once; concurrent callers share it). */
  private view(aggregateType: string, aggregateId: string, s: Session): Promise<void> {
    s.loading ??= this.opts.snapshots!.load(aggregateType, aggregateId).then(
      (snapshot) => {
        // Own operations the projector already applied are skipped by the merge rules' dedup.
        if (snapshot) s.doc = applyOps(snapshot, s.own);
        s.own = [];
        s.loaded = true;
      },
      (e: unknown) => {
        // No view to build on: the writes waiting on it fail and the next write starts a new
        // session. Writes already prepared on it read only their own origin and stay valid.
        this.forget(`${aggregateType}/${aggregateId}`, s);
        throw e;
      },
    );
    return s.loading;
  }

  /** Later writes of the aggregate start a new session (a new origin, so no sequence is reused). */
  private forget(key: string, s: Session): void {
    if (this.sessions.get(key) === s) {
      this.sessions.delete(key);
      this.generation++;
    }
  }

  private retire(key: string, s: Session): void {
    s.retired = true;
    this.forget(key, s);
  }

  /**
   * Builds the operations of one write. Each step receives the writer's current view of the
   * document and returns one mutation (use the merge library's `prepare*` functions); it is stamped
   * with the session's origin, the next sequence number and an HLC stamp, and applied to the view,
   * so the next step (in this write or a later one) sees it — two counter adds in one write give
   * the right running totals.
   */
  async prepare(
    aggregateType: string,
    aggregateId: string,
    steps: ReadonlyArray<(view: Document, origin: string) => Mutation>,
    options: { idempotencyKey?: string; viewNeeded?: boolean } = {},
  ): Promise<PreparedWrite> {
    const key = `${aggregateType}/${aggregateId}`;
    const s = this.session(aggregateType, aggregateId);
    // A keyed write needs the view to know whether its key was already written.
    if (!s.loaded && (options.viewNeeded !== false || options.idempotencyKey !== undefined))
      await this.view(aggregateType, aggregateId, s);
    const ops: Operation[] = [];
    const keyed =
      options.idempotencyKey === undefined
        ? undefined
        : keyedOrigin(aggregateType, aggregateId, options.idempotencyKey);
    if (keyed !== undefined && ctxHas(s.doc.applied, keyed, 1)) {
      // Known key: the original's identities, nothing new (the caller answers with its outcome).
      return {
        ops: steps.map(
          (step, i) =>
            ({
              ...step(documentEmpty(), keyed),
              eventId: keyedEventId(keyed, i + 1),
              origin: keyed,
              seq: i + 1,
              hlc: { wallMs: 0, logical: 0, nodeId: keyed },
            }) as Operation,
        ),
        duplicate: true,
        abort: () => undefined,
        live: () => true,
      };
    }
    let view = s.doc;
    let nextSeq = s.seq;
    for (const [i, step] of steps.entries()) {
      // A keyed write is its own origin with seq 1..n: its counter totals are its own amounts, the
      // same however often and wherever it is retried.
      const origin = keyed ?? s.origin;
      const seq = keyed !== undefined ? i + 1 : nextSeq + 1;
      const m = step(view, origin);
      // The stamp's node id is the origin: merge's dedup key is (hlc.nodeId, seq).
      const hlc = { ...this.opts.clock.now(), nodeId: origin };
      const eventId = keyed !== undefined ? keyedEventId(keyed, seq) : randomUUID();
      const op = { eventId, origin, seq, hlc, ...m } as Operation;
      view = applyOp(view, op);
      if (keyed === undefined) nextSeq = seq;
      ops.push(op);
    }
    s.doc = view;
    s.seq = nextSeq;
    if (!s.loaded) {
      for (const op of ops) s.own.push(op);
      // Bounds what is kept for the snapshot's arrival: past it, fetch the snapshot anyway.
      if (s.own.length >= MAX_UNLOADED_OPS) this.view(aggregateType, aggregateId, s).catch(() => undefined);
    }
    return {
      ops,
      duplicate: false,
      abort: () => this.retire(key, s),
      live: () => !s.retired,
    };
  }
}

/**
 * Reads the writer's starting view from the region's projector (`GET /aggregates/:type/:id/document`).
 * An unreachable projector yields no view rather than failing the write: the write is still
 * correct, but a remove then only sees this writer's own adds (logged).
 */
export class HttpSnapshotSource implements SnapshotSource {
  private readonly client: ReadApiClient;
  constructor(
    baseUrl: string,
    private readonly onError: (e: Error) => void = () => undefined,
    timeoutMs = 2000,
  ) {
    this.client = new ReadApiClient(baseUrl, { timeoutMs });
  }
  async load(aggregateType: string, aggregateId: string): Promise<Document | undefined> {
    try {
      return (await this.client.document(aggregateType, aggregateId))?.document;
    } catch (e) {
      this.onError(e as Error);
      return undefined;
    }
  }
}
