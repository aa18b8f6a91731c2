import { type Context, injectContext } from '@meridian/tracing';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { RoutingError } from './errors';
import type { UpstreamService } from './options';

/** Which upstream serves a request, and whether it is a write. */
export interface RouteTarget {
  service: UpstreamService;
  write: boolean;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isReadMethod(method: string): boolean {
  return READ_METHODS.has(method.toUpperCase());
}

/**
 * `/profiles...` → profile-service (writes: anything but GET/HEAD/OPTIONS); `/aggregates...` and
 * `/digest...` → projector (reads). Anything else: undefined (the gateway answers 404).
 */
export function routeOf(method: string, pathname: string): RouteTarget | undefined {
  const write = !isReadMethod(method);
  if (pathname === '/profiles' || pathname.startsWith('/profiles/'))
    return { service: 'profileService', write };
  if (pathname === '/aggregates' || pathname.startsWith('/aggregates/') || pathname.startsWith('/digest'))
    return { service: 'projector', write };
  return undefined;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1), and those the gateway sets itself upstream. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** Not forwarded upstream: undici sets host and length; `expect` is answered by the gateway. */
const REQUEST_DROPPED = new Set(['host', 'content-length', 'expect']);

function connectionTokens(headers: IncomingHttpHeaders | Record<string, unknown>): Set<string> {
  const c = headers['connection'];
  const list = Array.isArray(c) ? c.join(',') : typeof c === 'string' ? c : '';
  return new Set(
    list
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The headers to send upstream: hop-by-hop dropped, `X-Forwarded-*` added. */
export function forwardHeaders(req: IncomingMessage, trace?: Context): Record<string, string | string[]> {
  const named = connectionTokens(req.headers);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || REQUEST_DROPPED.has(k) || named.has(k)) continue;
    out[k] = v;
  }
  const client = req.socket.remoteAddress ?? 'unknown';
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  if (req.headers.host) out['x-forwarded-host'] = req.headers.host;
  out['x-forwarded-proto'] = 'http';
  // Tracing on: the upstream continues the gateway's request span (sampled or not, the decision is
  // made once, here); off, a client's own `traceparent` is forwarded as it came.
  if (trace) injectContext(trace, out);
  return out;
}

/** The upstream's response headers as the client gets them: hop-by-hop dropped. */
export function responseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): OutgoingHttpHeaders {
  const named = connectionTokens(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(upstream)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** One header's value (the first, if repeated), trimmed; undefined when absent or empty. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
}

/**
 * Buffers the request body (it may be resent to another region), at most `maxBytes`: beyond, a
 * `BODY_TOO_LARGE` RoutingError (413) — from Content-Length before reading anything when it says so.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new RoutingError(
      'BODY_TOO_LARGE',
      `request body is over the gateway's limit of ${maxBytes} bytes (maxBodyBytes)`,
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (b: Buffer) => {
      size += b.length;
      if (size <= maxBytes) return void chunks.push(b);
      // Stop keeping it but let the rest flow away, so the client reads the 413 instead of a reset.
      cleanup();
      req.resume();
      reject(tooLarge());
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
