// Long on purpose: the gateway is one request path (route, limit, forward, retry or answer unknown) whose decisions depend on each other.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import pino, { type Logger } from 'pino';
import { listenHttp } from '@meridian/config';
import { requestContext, traceRequest, type Tracer } from '@meridian/tracing';
import { HealthChecker } from './checker';
import {
  type IneligibleReason,
  LimitExceededError,
  NoEligibleRegionError,
  OutcomeUnknownError,
  RoutingError,
  UpstreamFailedError,
} from './errors';
import { type BreakerState, RegionHealth, type RegionSnapshot, type ServiceHealthSnapshot } from './health';
import { forwardHeaders, headerValue, readBody, responseHeaders, routeOf, type RouteTarget } from './http';
import { TokenBucket } from './limits';
import { GatewayMetrics, type RequestOutcome } from './metrics';
import {
  type RegionUpstream,
  resolveSettings,
  type RoutingSettings,
  UPSTREAM_SERVICES,
  type UpstreamService,
  validateRegions,
} from './options';
import { REGION_HEADER, type RouteChoice, type RouteReason, Router, SESSION_HEADER } from './router';
import {
  classifyFailure,
  type ForwardRequest,
  isBreakerRejection,
  OUTCOME_UNKNOWN_CODE,
  Upstream,
  type UpstreamResponse,
  UpstreamStatusError,
} from './upstream';

export const ROUTED_REGION_HEADER = 'X-Meridian-Routed-Region';
export const ROUTE_REASON_HEADER = 'X-Meridian-Route-Reason';
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

export interface GatewayOptions {
  regions: readonly RegionUpstream[];
  settings?: Partial<RoutingSettings>;
  logger?: Logger;
  /** Clock (ms) of the token buckets and sticky sessions; default `Date.now`. */
  now?: () => number;
  /** The region the gateway runs in (shown by `/regions`). */
  gatewayRegion?: string;
  /**
   * Tracing on: a server span per request (a child of the client's `traceparent`), whose context
   * is forwarded upstream in place of the client's. Off: a client's `traceparent` is forwarded as it came.
   */
  tracer?: Tracer;
}

export interface DrainResult {
  /** True when every in-flight request finished before `drainTimeoutMs`. */
  finished: boolean;
  /** Requests cut off at the deadline. */
  abandoned: number;
}

interface RegionRuntime {
  config: RegionUpstream;
  health: RegionHealth;
  upstreams: Record<UpstreamService, Upstream>;
  bucket: TokenBucket;
  inFlight: number;
}

type State = 'created' | 'serving' | 'draining' | 'closed';

const BREAKER_RANK: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The global router: one `node:http` server that forwards each request to one region's
 * profile-service or projector (undici pools), choosing the region with `Router` from the health
 * kept by active checks and passive observation, behind a circuit breaker, a token bucket and an
 * in-flight cap per region. Retries on another region only when that is safe (see README).
 */
/** What the attempts of one forwarded request leave for its final answer. */
interface ForwardState {
  readonly attempts: { region: string; error: string }[];
  /** The write carries an Idempotency-Key: the upstream deduplicates a resend. */
  readonly keyed: boolean;
  /** A resend after the request may have reached an upstream is safe (a read, or a keyed write). */
  readonly resendable: boolean;
  lastAnswer?: { region: string; response: UpstreamResponse };
  lastCause?: unknown;
  retryReason?: { region: string; reason: string };
  /** A write attempt that may have stored it: the answer can no longer say "nothing stored". */
  unknown?: OutcomeUnknownError;
  /** The first upstream OUTCOME_UNKNOWN answer (504), passed through if nothing better comes. */
  unknownAnswer?: { region: string; response: UpstreamResponse };
}

export class Gateway {
  readonly settings: RoutingSettings;
  readonly router: Router;
  readonly metrics: GatewayMetrics;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly regions = new Map<string, RegionRuntime>();
  private readonly checker: HealthChecker;
  private server: Server | undefined;
  private state: State = 'created';
  private active = 0;
  private readonly idleWaiters = new Set<() => void>();
  private drainPromise: Promise<DrainResult> | undefined;

  constructor(private readonly opts: GatewayOptions) {
    validateRegions(opts.regions);
    this.settings = resolveSettings(opts.settings);
    this.log = opts.logger ?? pino({ name: 'meridian-gateway' });
    this.now = opts.now ?? Date.now;
    const s = this.settings;
    this.router = new Router(
      opts.regions.map((r) => r.name),
      { stickyMs: s.stickyMs, maxStickySessions: s.maxStickySessions },
    );
    this.metrics = new GatewayMetrics(() => this.snapshots());
    for (const config of opts.regions) {
      const upstream = (service: UpstreamService, url: string) =>
        new Upstream(config.name, service, url, s, (seconds) =>
          this.metrics.upstreamLatency.observe({ region: config.name, service }, seconds),
        );
      const rt: RegionRuntime = {
        config,
        health: new RegionHealth(
          config.name,
          s.unhealthyAfterFailures,
          s.rttEwmaAlpha,
          s.writeStatusMaxAgeMs,
        ),
        upstreams: {
          profileService: upstream('profileService', config.profileServiceUrl),
          projector: upstream('projector', config.projectorUrl),
        },
        bucket: new TokenBucket(s.rateLimitPerSec, s.rateLimitBurst, this.now),
        inFlight: 0,
      };
      for (const svc of UPSTREAM_SERVICES) {
        const b = rt.upstreams[svc].breaker;
        const fields = { region: config.name, service: svc };
        b.on('open', () => this.log.warn(fields, 'circuit breaker open'));
        b.on('halfOpen', () => this.log.info(fields, 'circuit breaker half-open: one trial request'));
        b.on('close', () => this.log.info(fields, 'circuit breaker closed'));
      }
      this.regions.set(config.name, rt);
    }
    this.checker = new HealthChecker(
      [...this.regions.values()],
      { intervalMs: s.healthIntervalMs, timeoutMs: s.healthTimeoutMs, now: this.now },
      this.log,
    );
  }

  /**
   * Runs a first round of health checks, starts the periodic ones and listens on 127.0.0.1:`port`
   * (0: any free port). Resolves with the port.
   */
  async start(port = 0): Promise<number> {
    if (this.state !== 'created') throw new RoutingError('INVALID_CONFIG', 'gateway already started');
    await this.checker.checkAll();
    this.checker.start();
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await listenHttp(
      {
        listen: (p, host) =>
          new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(p, host, () => {
              server.off('error', reject);
              resolve();
            });
          }),
        getHttpServer: () => server,
      },
      port,
    );
    this.state = 'serving';
    const bound = this.port;
    this.log.info(
      { port: bound, regions: this.opts.regions.map((r) => r.name), gatewayRegion: this.opts.gatewayRegion },
      'gateway listening',
    );
    return bound;
  }

  get port(): number {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new RoutingError('INVALID_CONFIG', 'gateway is not listening');
    return a.port;
  }

  get draining(): boolean {
    return this.state === 'draining' || this.state === 'closed';
  }

  /** Requests being handled now (gateway endpoints included). */
  get inFlight(): number {
    return this.active;
  }

  /** What the router sees now, per region, in configured order. */
  snapshots(): RegionSnapshot[] {
    return [...this.regions.values()].map((rt) => this.snapshotOf(rt));
  }

  private snapshotOf(rt: RegionRuntime): RegionSnapshot {
    const now = this.now();
    const svc = (service: UpstreamService): ServiceHealthSnapshot => {
      const h = rt.health.services[service];
      const out: ServiceHealthSnapshot = {
        healthy: h.healthy,
        // The opossum breaker sees proxied requests only. An unhealthy upstream gets no requests
        // either, so it shows as open too, until the success (active or passive) that makes it healthy.
        breaker: h.healthy ? rt.upstreams[service].breakerState : 'open',
        consecutiveFailures: h.consecutiveFailures,
      };
      if (h.lastError !== undefined) {
        out.lastError = h.lastError.reason;
        out.lastErrorAgoMs = Math.max(0, now - h.lastError.at);
      }
      return out;
    };
    return {
      name: rt.config.name,
      profileService: svc('profileService'),
      projector: svc('projector'),
      writes: rt.health.writeStatus(now),
      rttMs: rt.health.rttMs,
      inFlight: rt.inFlight,
    };
  }

  /**
   * Graceful drain: `/health` answers 503 (for `drainGraceMs` before the listener closes), the
   * listener stops accepting connections, idle keep-alive sockets are closed, responses carry
   * `Connection: close`, in-flight requests get `drainTimeoutMs` to finish; then whatever is left is
   * cut off, health checks stop and the upstream pools close. Idempotent.
   */
  drain(): Promise<DrainResult> {
    this.drainPromise ??= this.runDrain();
    return this.drainPromise;
  }

  /** Stops at once (tests, failed start): no grace, no waiting for in-flight requests. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const server = this.server;
    if (server?.listening) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    }
    await this.stopUpstreams();
  }

  private async runDrain(): Promise<DrainResult> {
    const server = this.server;
    if (this.state === 'closed') return { finished: true, abandoned: 0 };
    this.state = 'draining';
    this.log.info(
      {
        inFlight: this.active,
        drainGraceMs: this.settings.drainGraceMs,
        drainTimeoutMs: this.settings.drainTimeoutMs,
      },
      'draining',
    );
    const deadline = Date.now() + this.settings.drainGraceMs + this.settings.drainTimeoutMs;
    if (this.settings.drainGraceMs > 0) await new Promise((r) => setTimeout(r, this.settings.drainGraceMs));
    let finished = true;
    let abandoned = 0;
    if (server?.listening) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      finished = await this.waitIdle(Math.max(0, deadline - Date.now()));
      abandoned = this.active;
      // Sockets whose last response went out before the drain began are idle keep-alive ones now.
      server.closeIdleConnections();
      if (!finished) server.closeAllConnections();
      await closed;
    }
    await this.stopUpstreams();
    this.state = 'closed';
    this.log.info({ finished, abandoned }, 'drained');
    return { finished, abandoned };
  }

  private waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(onIdle);
        resolve(v);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(onIdle);
    });
  }

  private async stopUpstreams(): Promise<void> {
    this.checker.stop();
    await Promise.all(
      [...this.regions.values()].flatMap((rt) => UPSTREAM_SERVICES.map((svc) => rt.upstreams[svc].close())),
    );
  }

  // ---- request handling ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.active++;
    res.once('close', () => {
      this.active--;
      if (this.active === 0) for (const w of [...this.idleWaiters]) w();
    });
    if (this.draining) res.setHeader('connection', 'close');
    if (this.opts.tracer) traceRequest(this.opts.tracer, req, res);
    try {
      await this.route(req, res);
    } catch (e) {
      this.answerError(res, e);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const own = method === 'GET' || method === 'HEAD';
    if (own && url.pathname === '/health') {
      const draining = this.draining;
      return this.sendJson(res, draining ? 503 : 200, {
        status: draining ? 'draining' : 'ok',
        inFlight: this.active - 1,
      });
    }
    if (own && url.pathname === '/metrics') {
      const text = await this.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (own && url.pathname === '/regions') return this.sendJson(res, 200, this.regionsView());

    const target = routeOf(method, url.pathname);
    if (!target)
      throw new RoutingError(
        'NOT_ROUTABLE',
        `the gateway routes /profiles..., /aggregates... and /digest...; nothing serves ${method} ${url.pathname}`,
      );
    const homeRegion = headerValue(req, REGION_HEADER);
    if (homeRegion !== undefined) this.router.checkRegion(homeRegion);
    const session = headerValue(req, SESSION_HEADER);
    const body = await readBody(req, this.settings.maxBodyBytes);
    const choice = this.router.choose(
      { service: target.service, write: target.write, homeRegion, session },
      this.snapshots(),
      this.now(),
    );
    await this.forward(req, res, target, choice, body, session);
  }

  /** Limits of a region, checked before each attempt: in-flight cap first, then a token. */
  private admit(rt: RegionRuntime): LimitExceededError | undefined {
    const name = rt.config.name;
    if (rt.inFlight >= this.settings.maxInFlight) {
      this.metrics.shed.inc({ region: name, limit: 'maxInFlight' });
      return new LimitExceededError(name, 'maxInFlight', this.settings.maxInFlight, 1);
    }
    const waitMs = rt.bucket.take();
    if (waitMs > 0) {
      this.metrics.shed.inc({ region: name, limit: 'rateLimitPerSec' });
      return new LimitExceededError(
        name,
        'rateLimitPerSec',
        this.settings.rateLimitPerSec,
        Math.max(1, Math.ceil(waitMs / 1000)),
      );
    }
    return undefined;
  }

  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: RouteTarget,
    choice: RouteChoice,
    body: Buffer,
    session: string | undefined,
  ): Promise<void> {
    const ac = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const fwd: ForwardRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: req.url ?? '/',
      headers: forwardHeaders(req, requestContext(req)),
      body,
      signal: ac.signal,
    };
    // Resending after the request may have reached an upstream is safe only for reads, or for
    // writes the upstream deduplicates by Idempotency-Key. A refusal before the send (503
    // NOT_STORED / NOT_WRITER / SHUTTING_DOWN) or a connection never made is resent in any case.
    const keyed = headerValue(req, IDEMPOTENCY_KEY_HEADER) !== undefined;
    const st: ForwardState = { attempts: [], keyed, resendable: !target.write || keyed };
    const skipped: Record<string, IneligibleReason> = {};
    let lastLimit: LimitExceededError | undefined;
    let tried = 0;

    for (let i = 0; i < choice.candidates.length && tried < this.settings.maxAttempts; i++) {
      const name = choice.candidates[i]!;
      const rt = this.regions.get(name)!;
      if (ac.signal.aborted) return;
      if (i > 0) {
        // Health or breaker may have changed since the choice (often: because of the last attempt).
        const why = this.router.ineligibility(this.snapshotOf(rt), target);
        if (why) {
          skipped[name] = why;
          continue;
        }
      }
      const limit = this.admit(rt);
      if (limit) {
        if (i === 0) throw limit; // the chosen region is saturated: shed, do not spill elsewhere
        lastLimit = limit;
        skipped[name] = limit.code === 'RATE_LIMITED' ? 'rate-limited' : 'overloaded';
        continue;
      }
      if (st.retryReason) {
        this.metrics.retries.inc(st.retryReason);
        this.log.info(
          { from: st.retryReason.region, to: name, reason: st.retryReason.reason, path: fwd.path },
          'retrying',
        );
      }
      tried++;
      const reason = choice.reason === 'failover' || i > 0 ? 'failover' : choice.reason;
      if (
        (await this.attempt(rt, fwd, target, { res, reason, first: choice.reason, session }, st)) === 'done'
      )
        return;
    }
    this.answerExhausted(res, st, skipped, target, lastLimit);
  }

  /**
   * One attempt on one region: `done` when the client has its answer (or went away), `next` when
   * another region may be tried; `st` keeps what the attempt leaves for the final answer. Throws
   * the answer itself when nothing may be tried after it (an unkeyed write of unknown outcome).
   */
  private async attempt(
    rt: RegionRuntime,
    fwd: ForwardRequest,
    target: RouteTarget,
    to: { res: ServerResponse; reason: RouteReason; first: RouteReason; session: string | undefined },
    st: ForwardState,
  ): Promise<'done' | 'next'> {
    const name = rt.config.name;
    rt.inFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        rt.inFlight--;
      }
    };
    try {
      const r = await rt.upstreams[target.service].forward(fwd);
      if (r.refusal) {
        release();
        // Nothing was stored: always safe to send elsewhere. The region takes no more writes
        // until a health check sent after this refusal says it does.
        if (target.write) {
          const was = rt.health.writeStatus(this.now()).accepting;
          rt.health.refuseWrites(r.refusal);
          if (was)
            this.log.info(
              { region: name, refusal: r.refusal },
              'region refused a write: no more writes there',
            );
        }
        st.attempts.push({ region: name, error: `503 ${r.refusal}` });
        st.lastAnswer = { region: name, response: r };
        st.retryReason = { region: name, reason: r.refusal };
        return 'next';
      }
      if (rt.health.services[target.service].success())
        this.log.info({ region: name, service: target.service }, 'upstream healthy again (passive)');
      if (target.write && to.session !== undefined && r.statusCode >= 200 && r.statusCode < 300)
        this.router.recordWrite(to.session, name, this.now());
      this.respond(to.res, name, to.reason, r, release);
      return 'done';
    } catch (e) {
      release();
      if (e instanceof UpstreamStatusError) {
        const status = e.response.statusCode;
        this.passiveFailure(rt, target.service, `answered ${status}`);
        st.attempts.push({ region: name, error: `answered ${status}` });
        if (target.write) {
          // The service's own OUTCOME_UNKNOWN goes back unchanged when it cannot be resent.
          const own = e.response.errorCode === OUTCOME_UNKNOWN_CODE ? e.response : undefined;
          if (!st.keyed) {
            if (own) {
              this.respond(to.res, name, to.first, own, () => undefined);
              return 'done';
            }
            throw new OutcomeUnknownError(name, 'status', false, e, status);
          }
          st.unknown ??= new OutcomeUnknownError(name, 'status', true, e, status);
          if (own) st.unknownAnswer ??= { region: name, response: own };
        }
        st.lastAnswer = { region: name, response: e.response };
        st.retryReason = { region: name, reason: `status_${status}` };
        return 'next';
      }
      const kind = classifyFailure(e);
      if (kind === 'aborted') return 'done'; // the client went away
      if (!isBreakerRejection(e)) this.passiveFailure(rt, target.service, (e as Error).message);
      st.attempts.push({ region: name, error: `${kind}: ${(e as Error).message}` });
      st.lastCause = e;
      if (kind !== 'not-sent' && target.write) {
        if (!st.resendable) throw new OutcomeUnknownError(name, kind, false, e);
        st.unknown ??= new OutcomeUnknownError(name, kind, true, e);
      }
      st.retryReason = { region: name, reason: isBreakerRejection(e) ? 'breaker_open' : kind };
      return 'next';
    }
  }

  /** The answer once no region is left to try, from what the attempts left behind. */
  private answerExhausted(
    res: ServerResponse,
    st: ForwardState,
    skipped: Record<string, IneligibleReason>,
    target: RouteTarget,
    lastLimit: LimitExceededError | undefined,
  ): void {
    if (st.unknown) {
      // A keyed write ran out of regions after one attempt may have stored it: never answer with a
      // later region's "nothing stored"; the client resends with the same key.
      if (st.unknownAnswer)
        return this.respond(
          res,
          st.unknownAnswer.region,
          'failover',
          st.unknownAnswer.response,
          () => undefined,
        );
      const u = st.unknown;
      throw new OutcomeUnknownError(u.region, u.kind, true, u.cause, u.upstreamStatus, st.attempts);
    }
    if (st.lastAnswer)
      return this.respond(res, st.lastAnswer.region, 'failover', st.lastAnswer.response, () => undefined);
    if (st.attempts.length === 0 && lastLimit) throw lastLimit;
    if (st.attempts.length === 0) throw new NoEligibleRegionError(target.write, skipped);
    throw new UpstreamFailedError(st.attempts, st.lastCause);
  }

  private passiveFailure(rt: RegionRuntime, service: UpstreamService, reason: string): void {
    if (rt.health.services[service].failure(reason, this.now()))
      this.log.warn({ region: rt.config.name, service, reason }, 'upstream unhealthy (passive)');
  }

  private respond(
    res: ServerResponse,
    region: string,
    reason: string,
    r: UpstreamResponse,
    release: () => void,
  ): void {
    const headers = responseHeaders(r.headers);
    headers[ROUTED_REGION_HEADER.toLowerCase()] = region;
    headers[ROUTE_REASON_HEADER.toLowerCase()] = reason;
    if (this.draining) headers['connection'] = 'close';
    const outcome: RequestOutcome =
      r.errorCode === OUTCOME_UNKNOWN_CODE
        ? 'outcome_unknown'
        : r.statusCode >= 500
          ? 'upstream_error'
          : r.statusCode >= 400
            ? 'client_error'
            : 'ok';
    this.metrics.requests.inc({ region, outcome });
    if (Buffer.isBuffer(r.body)) {
      headers['content-length'] = String(r.body.length);
      res.writeHead(r.statusCode, headers);
      res.end(r.body);
      release();
      return;
    }
    res.writeHead(r.statusCode, headers);
    pipeline(r.body, res, (err) => {
      release();
      if (err) this.log.debug({ region, err: err.message }, 'response stream ended early');
    });
  }

  private answerError(res: ServerResponse, e: unknown): void {
    const err =
      e instanceof RoutingError
        ? e
        : new RoutingError('UPSTREAM_FAILED', `gateway error: ${(e as Error)?.message ?? String(e)}`, {
            cause: e,
          });
    const region = (err as { region?: unknown }).region;
    this.metrics.requests.inc({
      region: typeof region === 'string' ? region : 'none',
      outcome: outcomeOf(err),
    });
    if (err.httpStatus >= 500 || err.code === 'OUTCOME_UNKNOWN')
      this.log.warn({ code: err.code, err: err.message }, 'request failed');
    if (res.headersSent) {
      res.destroy(err);
      return;
    }
    const headers: Record<string, string> = {};
    if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
    // The body was not read: do not leave it on a connection someone may reuse.
    if (err.code === 'BODY_TOO_LARGE') headers['connection'] = 'close';
    this.sendJson(res, err.httpStatus, err.toJSON(), headers);
  }

  private sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  /**
   * `GET /regions`, one consistent picture per region: `healthy` — both upstreams healthy;
   * `acceptingWrites` — what the router decides for writes now (`writes.reason` says why not; an
   * unhealthy profile-service never accepts); `breaker` — the worst of the two upstreams', `open`
   * also while health holds an upstream unhealthy; per upstream, `lastError` and `lastErrorAgoMs`
   * only while failures are being counted.
   */
  regionsView(): Record<string, unknown> {
    return {
      gatewayRegion: this.opts.gatewayRegion,
      draining: this.draining,
      regions: [...this.regions.values()].map((rt) => {
        const s = this.snapshotOf(rt);
        const worst =
          BREAKER_RANK[s.profileService.breaker] >= BREAKER_RANK[s.projector.breaker]
            ? s.profileService.breaker
            : s.projector.breaker;
        return {
          name: s.name,
          healthy: s.profileService.healthy && s.projector.healthy,
          acceptingWrites: s.writes.accepting,
          writes: s.writes,
          breaker: worst,
          rttMs: s.rttMs === undefined ? null : Math.round(s.rttMs * 100) / 100,
          inFlight: s.inFlight,
          upstreams: {
            profileService: { url: rt.config.profileServiceUrl, ...s.profileService },
            projector: { url: rt.config.projectorUrl, ...s.projector },
          },
        };
      }),
    };
  }
}

function outcomeOf(e: RoutingError): RequestOutcome {
  switch (e.code) {
    case 'RATE_LIMITED':
      return 'rate_limited';
    case 'OVERLOADED':
      return 'overloaded';
    case 'NO_ELIGIBLE_REGION':
      return 'no_region';
    case 'OUTCOME_UNKNOWN':
      return 'outcome_unknown';
    case 'UPSTREAM_FAILED':
      return 'upstream_failed';
    case 'DRAINING':
      return 'draining';
    default:
      return 'rejected';
  }
}
