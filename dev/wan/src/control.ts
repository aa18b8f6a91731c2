import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LinkFaults } from './fault-proxy';
import { close, listen } from './fault-proxy';
import type { LinkStatus, WanMesh } from './mesh';
import { WanError } from './errors';

const MODES = new Set(['pass', 'partition', 'half-open']);

function parseFaults(body: unknown): Partial<LinkFaults> {
  if (typeof body !== 'object' || body === null)
    throw new WanError('INVALID_REQUEST', 'body: expected a JSON object');
  const b = body as Record<string, unknown>;
  const out: Partial<LinkFaults> = {};
  for (const k of ['delayMs', 'jitterMs', 'bandwidthBytesPerSec'] as const) {
    if (b[k] === undefined) continue;
    const v = b[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new WanError('INVALID_REQUEST', `${k}: expected a number >= 0`);
    out[k] = v;
  }
  if (b.mode !== undefined) {
    if (typeof b.mode !== 'string' || !MODES.has(b.mode))
      throw new WanError('INVALID_REQUEST', `mode: expected one of ${[...MODES].join(', ')}`);
    out.mode = b.mode as LinkFaults['mode'];
  }
  const unknown = Object.keys(b).filter(
    (k) => !['delayMs', 'jitterMs', 'bandwidthBytesPerSec', 'mode'].includes(k),
  );
  if (unknown.length > 0) throw new WanError('INVALID_REQUEST', `${unknown[0]}: unknown field`);
  return out;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * HTTP control of the WAN (for `meridian local wan` and the tests):
 *   GET  /links                     every link's faults and connections
 *   PUT  /links/:from/:to           set faults: { mode?, delayMs?, jitterMs?, bandwidthBytesPerSec? }
 *   POST /links/:from/:to/reset     reset every open connection of the link
 *   POST /regions/:region/isolate   every link into and out of the region at once: { mode? }
 *   POST /heal                      every link back to the topology's defaults
 */
export async function startWanControl(mesh: WanMesh, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const parts = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
      try {
        if (req.method === 'GET' && parts[0] === 'health') return send(res, 200, { status: 'ok' });
        if (req.method === 'GET' && parts[0] === 'links' && parts.length === 1)
          return send(res, 200, mesh.status());
        if (req.method === 'POST' && parts[0] === 'heal' && parts.length === 1) {
          mesh.heal();
          return send(res, 200, mesh.status());
        }
        if (req.method === 'POST' && parts[0] === 'regions' && parts[2] === 'isolate' && parts.length === 3) {
          let mode: LinkFaults['mode'];
          try {
            mode = parseFaults(await readJson(req)).mode ?? 'partition';
          } catch (e) {
            return send(res, 400, { error: (e as Error).message });
          }
          if (mode === 'pass')
            return send(res, 400, { error: 'mode: isolating takes partition or half-open' });
          try {
            return send(res, 200, mesh.isolate(parts[1]!, mode));
          } catch (e) {
            return send(res, 404, { error: (e as Error).message });
          }
        }
        if (parts[0] === 'links' && parts.length >= 3) {
          const [, from, to, action] = parts as [string, string, string, string?];
          if (!mesh.links.has(`${from}->${to}`)) return send(res, 404, { error: `no link ${from}->${to}` });
          if (req.method === 'PUT' && !action) {
            let faults: Partial<LinkFaults>;
            try {
              faults = parseFaults(await readJson(req));
            } catch (e) {
              return send(res, 400, { error: (e as Error).message });
            }
            return send(res, 200, mesh.set(from, to, faults));
          }
          if (req.method === 'POST' && action === 'reset') {
            mesh.link(from, to).resetConnections();
            return send(res, 200, { reset: `${from}->${to}` });
          }
        }
        send(res, 404, { error: `no route ${req.method} ${req.url}` });
      } catch (e) {
        send(res, 500, { error: (e as Error).message });
      }
    })();
  });
  // Clients pool connections: an idle timeout shorter than theirs closes a socket just as they reuse
  // it ("other side closed"). Same choice as the services (libs/config listenHttp).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await listen(server, port);
  return server;
}

export { close as closeServer };

/** Client of the WAN control API. */
export class WanControl {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const send = () =>
      fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5000),
      });
    // Every control call is idempotent (set, heal, reset, read): one retry on a dropped connection.
    const res = await send().catch(() => send());
    const json = (await res.json()) as T & { error?: string };
    if (!res.ok)
      throw new WanError('WAN_CONTROL', `WAN control ${method} ${path}: ${res.status} ${json.error ?? ''}`);
    return json;
  }

  links(): Promise<LinkStatus[]> {
    return this.call('GET', '/links');
  }
  set(from: string, to: string, faults: Partial<LinkFaults>): Promise<LinkStatus> {
    return this.call('PUT', `/links/${encodeURIComponent(from)}/${encodeURIComponent(to)}`, faults);
  }
  reset(from: string, to: string): Promise<unknown> {
    return this.call('POST', `/links/${encodeURIComponent(from)}/${encodeURIComponent(to)}/reset`);
  }
  heal(): Promise<LinkStatus[]> {
    return this.call('POST', '/heal');
  }
  /** Partitions every link into and out of `region`. */
  async isolate(region: string, mode: 'partition' | 'half-open' = 'partition'): Promise<void> {
    await this.call('POST', `/regions/${encodeURIComponent(region)}/isolate`, { mode });
  }
}
