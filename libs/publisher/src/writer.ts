import { randomBytes, randomUUID } from 'node:crypto';
import {
  applyOp,
  documentEmpty,
  type Document,
  type HybridLogicalClock,
  type Mutation,
  type Operation,
} from '@meridian/merge';

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
  /** Random by default: one per process. */
  instanceId?: string;
}

interface Session {
  origin: string;
  seq: number;
  doc: Document;
}

export interface PreparedWrite {
  ops: Operation[];
  /** The write was not stored: forget this aggregate's session (a fresh origin is used next). */
  abort(): void;
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
  private readonly pending = new Map<string, Promise<Session>>();
  private readonly instanceId: string;
  private generation = 0;

  constructor(private readonly opts: WriterOptions) {
    this.instanceId = opts.instanceId ?? randomBytes(4).toString('hex');
  }

  /** Node id of new sessions: `<region>.<instance>.<generation>` (printable ASCII, no spaces). */
  private nextOrigin(): string {
    return `${this.opts.region}.${this.instanceId}.${this.generation}`;
  }

  private async session(aggregateType: string, aggregateId: string): Promise<Session> {
    const key = `${aggregateType}/${aggregateId}`;
    const s = this.sessions.get(key);
    if (s) {
      // Refresh LRU position.
      this.sessions.delete(key);
      this.sessions.set(key, s);
      return s;
    }
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    const p = (async () => {
      const doc = (await this.opts.snapshots?.load(aggregateType, aggregateId)) ?? documentEmpty();
      const fresh: Session = { origin: this.nextOrigin(), seq: 0, doc };
      this.sessions.set(key, fresh);
      const max = this.opts.maxSessions ?? 100_000;
      while (this.sessions.size > max) {
        const oldest = this.sessions.keys().next().value as string;
        this.sessions.delete(oldest);
        this.generation++;
      }
      return fresh;
    })().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
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
  ): Promise<PreparedWrite> {
    const key = `${aggregateType}/${aggregateId}`;
    const s = await this.session(aggregateType, aggregateId);
    const ops: Operation[] = [];
    for (const step of steps) {
      const m = step(s.doc, s.origin);
      // The stamp's node id is the origin: merge's dedup key is (hlc.nodeId, seq).
      const hlc = { ...this.opts.clock.now(), nodeId: s.origin };
      const op = { eventId: randomUUID(), origin: s.origin, seq: s.seq + 1, hlc, ...m } as Operation;
      s.doc = applyOp(s.doc, op);
      s.seq = op.seq;
      ops.push(op);
    }
    return {
      ops,
      abort: () => {
        if (this.sessions.get(key) === s) {
          this.sessions.delete(key);
          this.generation++;
        }
      },
    };
  }

  /** Number of aggregates with a live session (for metrics). */
  get sessionCount(): number {
    return this.sessions.size;
  }
}

/**
 * Reads the writer's starting view from the region's projector (`GET /aggregates/:type/:id/document`).
 * An unreachable projector yields no view rather than failing the write: the write is still
 * correct, but a remove then only sees this writer's own adds (logged).
 */
export class HttpSnapshotSource implements SnapshotSource {
  constructor(
    private readonly baseUrl: string,
    private readonly onError: (e: Error) => void = () => undefined,
    private readonly timeoutMs = 2000,
  ) {}
  async load(aggregateType: string, aggregateId: string): Promise<Document | undefined> {
    const url = `${this.baseUrl}/aggregates/${encodeURIComponent(aggregateType)}/${encodeURIComponent(aggregateId)}/document`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      return ((await res.json()) as { document: Document }).document;
    } catch (e) {
      this.onError(e as Error);
      return undefined;
    }
  }
}
