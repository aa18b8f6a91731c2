import { MeridianError, retry } from '@meridian/errors';
import type {
  AggregateView,
  ConflictsView,
  DigestPageView,
  DigestView,
  DocumentView,
  PositionsView,
} from './dto';

/** The projector could not be asked (`READ_API_UNAVAILABLE`, retriable) or refused (`READ_API_ERROR`). */
export class ReadApiError extends MeridianError<'READ_API_UNAVAILABLE' | 'READ_API_ERROR'> {
  constructor(
    code: 'READ_API_UNAVAILABLE' | 'READ_API_ERROR',
    message: string,
    options: { retriable?: boolean; cause?: unknown; readonly status?: number } = {},
  ) {
    super(code, message, options);
    this.status = options.status;
  }
  /** The HTTP status, when the projector answered. */
  readonly status: number | undefined;
}

export interface ReadApiClientOptions {
  /** Per request. Default 5 000. */
  timeoutMs?: number;
}

/** A typed client of one region's projector read API (see `dto.ts`). */
export class ReadApiClient {
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    options: ReadApiClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The merged view; `undefined` if the region holds nothing for it (404). */
  async aggregate(type: string, id: string): Promise<AggregateView | undefined> {
    return this.get<AggregateView>(`${aggregatePath(type, id)}`, true);
  }

  /**
   * The merged view unless it is still `etag` (then `'not-modified'`, a 304); `undefined` on 404.
   * The answer's ETag comes with it, for the next call.
   */
  async aggregateIfChanged(
    type: string,
    id: string,
    etag: string,
  ): Promise<{ view: AggregateView; etag: string } | 'not-modified' | undefined> {
    const res = await this.fetch(aggregatePath(type, id), { 'if-none-match': etag });
    if (res.status === 304) return 'not-modified';
    if (res.status === 404) return undefined;
    const view = await this.body<AggregateView>(res, aggregatePath(type, id));
    return { view, etag: res.headers.get('etag') ?? `"${view.digest}"` };
  }

  /** The raw merge document; `undefined` on 404. */
  async document(type: string, id: string): Promise<DocumentView | undefined> {
    return this.get<DocumentView>(`${aggregatePath(type, id)}/document`, true);
  }

  /** The whole state's digest, or one aggregate type's. */
  async digest(type?: string): Promise<DigestView> {
    return (await this.get<DigestView>(
      type === undefined ? '/digest' : `/digest?type=${encodeURIComponent(type)}`,
    ))!;
  }

  /** One page of per-aggregate digests of `type`, after `after` (exclusive). */
  async digests(type: string, page: { after?: string; limit?: number } = {}): Promise<DigestPageView> {
    const q = new URLSearchParams({
      ...(page.after !== undefined ? { after: page.after } : {}),
      ...(page.limit !== undefined ? { limit: String(page.limit) } : {}),
    });
    const qs = q.size > 0 ? `?${q}` : '';
    return (await this.get<DigestPageView>(`/digest/${encodeURIComponent(type)}${qs}`))!;
  }

  /** The aggregate's LWW conflicts; `undefined` if the region holds nothing for it (404). */
  async conflicts(type: string, id: string): Promise<ConflictsView | undefined> {
    return this.get<ConflictsView>(`${aggregatePath(type, id)}/conflicts`, true);
  }

  async positions(): Promise<PositionsView> {
    return (await this.get<PositionsView>('/positions'))!;
  }

  private async get<T>(path: string, notFoundIsEmpty = false): Promise<T | undefined> {
    const res = await this.fetch(path);
    if (notFoundIsEmpty && res.status === 404) return undefined;
    return this.body<T>(res, path);
  }

  private async fetch(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const once = () => fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    try {
      // A GET is safe to send again. Once, at once, and only when the connection failed under it:
      // a pooled keep-alive connection the server closed while this process's event loop was busy
      // (seen in CI: "other side closed" after a blocking child process). Timeouts are not retried.
      return await retry(once, {
        maxAttempts: 2,
        initialDelayMs: 1,
        retriable: (e) => !isTimeout(e),
      });
    } catch (e) {
      throw new ReadApiError('READ_API_UNAVAILABLE', `GET ${url}: ${(e as Error).message}`, {
        retriable: true,
        cause: e,
      });
    }
  }

  private async body<T>(res: Response, path: string): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new ReadApiError('READ_API_ERROR', `GET ${url}: HTTP ${res.status} ${text}`.trim(), {
        // A 5xx may pass; a 4xx will not.
        retriable: res.status >= 500,
        status: res.status,
      });
    }
    return (await res.json()) as T;
  }
}

function isTimeout(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function aggregatePath(type: string, id: string): string {
  return `/aggregates/${encodeURIComponent(type)}/${encodeURIComponent(id)}`;
}
