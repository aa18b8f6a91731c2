// Long on purpose: the chaos writers and the bookkeeping of every answer they got, which the checks read.
/**
 * The chaos workload: in every region several concurrent clients write the same few profiles
 * through that region's profile-service, and one through the gateway (conflicting field writes,
 * credits and logins with Idempotency-Keys retried with the same key while their outcome is unknown,
 * tag add/remove races); the publishers' failpoints inject failures before the send and lost
 * acknowledgements after it; one region also runs an in-process writer whose clock is skewed within
 * the bound, and one whose clock is past it. Every outcome is recorded for the checks.
 */
import {
  ConfluentSchemaRegistry,
  ContractError,
  generatedReaders,
  type ReaderSchema,
} from '@meridian/contract';
import { PROFILE, profileSteps } from '@meridian/domain';
import {
  EventPublisher,
  HttpSnapshotSource,
  keyedEventId,
  keyedOrigin,
  PublisherError,
} from '@meridian/publisher';
import { mulberry32 } from '@meridian/random';
import {
  LOCAL_APPS,
  LOCAL_GATEWAY,
  LOCAL_REGIONS,
  LOCAL_REGISTRIES,
  WaitAbortError,
  waitFor,
} from '@meridian/testing';

export const CHAOS_REGIONS = LOCAL_APPS;
export type ChaosRegion = keyof typeof CHAOS_REGIONS;
export const REGION_NAMES = Object.keys(CHAOS_REGIONS) as ChaosRegion[];
const GATEWAY = LOCAL_GATEWAY;
/** The projectors' forward-skew bound (their default MAX_FORWARD_SKEW_MS). */
export const SKEW_BOUND_MS = 60_000;
/** Concurrent HTTP clients per region (the last through the gateway): `MERIDIAN_CHAOS_WRITERS`. */
const WRITERS_PER_REGION = Number(process.env.MERIDIAN_CHAOS_WRITERS ?? 2);

export interface Acknowledged {
  eventId: string;
  profile: string;
  creditCents: number;
  logins: number;
  region: string;
}

/** A counter write sent with an Idempotency-Key, and every answer it got (retries included). */
export interface KeyedWrite {
  key: string;
  profile: string;
  /** The event id every copy of it carries (derived from the key). */
  eventId: string;
  creditCents: number;
  logins: number;
  /** `acked`: some answer 2xx; `refused`: every answer said nothing was stored; else `unknown`. */
  outcome: 'acked' | 'refused' | 'unknown';
  answers: string[];
}

export interface WorkloadResult {
  acknowledged: Acknowledged[];
  keyed: KeyedWrite[];
  /** Keyless writes answered 4xx/5xx: the client was told the write did not happen (or unknown: 504). */
  refused: number;
  /** Keyless writes without an answer or answered 504: the outcome is unknown to the client. */
  unknown: number;
  /** Failpoints armed in the profile-services during the run. */
  failpointsArmed: number;
  /** The writer past the skew bound: writes it got a 2xx for (must be 0), refused, stored-but-rejected. */
  pastBound: { acked: number; refused: number; storedButRejected: string[] };
}

interface WriteEvents {
  events: { eventId: string }[];
}

async function httpWrite(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; eventIds: string[]; error?: string } | undefined> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(5000),
    });
    if (res.status !== 200) {
      const text = await res.text();
      let error: string | undefined;
      try {
        error = (JSON.parse(text) as { error?: string }).error;
      } catch {
        error = undefined;
      }
      return { status: res.status, eventIds: [], ...(error !== undefined ? { error } : {}) };
    }
    const json = (await res.json()) as WriteEvents;
    return { status: 200, eventIds: json.events.map((e) => e.eventId) };
  } catch {
    return undefined;
  }
}

/** An answer that certainly means "nothing was stored" (the gateway's and the service's codes). */
function certainlyNotStored(res: { status: number; error?: string }): boolean {
  if (res.status >= 400 && res.status < 500) return true;
  return (
    res.status === 503 && ['NOT_STORED', 'NOT_WRITER', 'SHUTTING_DOWN', 'NO_REGION'].includes(res.error ?? '')
  );
}

/**
 * Schemas a late-schema writer used that are not yet registered everywhere. A seed that fails before
 * its fault is undone must not leave them unregistered: every later seed's projectors would hold
 * that partition back and then dead-letter it (`registerPendingSchemas`, called when healing).
 */
const pendingSchemas = new Set<ReaderSchema>();

/**
 * Registers in every region's registry (idempotent), retrying a registry that is slow or down for a
 * while: on a loaded machine one registration has taken ~9 s, past the client's 5 s timeout.
 */
async function registerInEveryRegion(schema: ReaderSchema): Promise<void> {
  for (const r of REGION_NAMES) {
    const registry = new ConfluentSchemaRegistry({ url: LOCAL_REGISTRIES[r], requestTimeoutMs: 15_000 });
    await waitFor(
      () =>
        registry.register(schema.fullName, schema.text).then(
          () => true,
          (e: unknown) => {
            if (e instanceof ContractError && !e.retriable) throw new WaitAbortError(e.message, { cause: e });
            throw e;
          },
        ),
      { timeoutMs: 60_000, intervalMs: 500, description: `${schema.fullName} registered in ${r}` },
    );
  }
  pendingSchemas.delete(schema);
}

/** Registers everywhere every late schema a failed seed left behind. */
export async function registerPendingSchemas(): Promise<void> {
  for (const s of [...pendingSchemas]) await registerInEveryRegion(s);
}

export class ChaosWorkload {
  private stopped = false;
  private readonly result: WorkloadResult = {
    acknowledged: [],
    keyed: [],
    refused: 0,
    unknown: 0,
    failpointsArmed: 0,
    pastBound: { acked: 0, refused: 0, storedButRejected: [] },
  };
  private readonly runs: Promise<void>[] = [];
  private readonly publishers: EventPublisher[] = [];
  private keys = 0;

  constructor(
    private readonly seed: number,
    readonly profiles: string[],
    private readonly skew: { region: string; skewMs: number },
  ) {}

  start(): void {
    REGION_NAMES.forEach((region, i) => {
      for (let w = 0; w < WRITERS_PER_REGION; w++) {
        // The last writer of each region goes through the gateway (homed on its region).
        const viaGateway = w === WRITERS_PER_REGION - 1;
        this.runs.push(this.httpWriter(region, w, viaGateway, mulberry32(this.seed * 7 + i * 31 + w)));
      }
    });
    this.runs.push(this.failpointInjector(mulberry32(this.seed * 7 + 77)));
    this.runs.push(this.skewedWriter(mulberry32(this.seed * 7 + 99), this.skew.skewMs, false));
    this.runs.push(
      this.skewedWriter(
        mulberry32(this.seed * 7 + 101),
        SKEW_BOUND_MS + 10_000 + (this.seed % 5) * 1000,
        true,
      ),
    );
  }

  async stop(): Promise<WorkloadResult> {
    this.stopped = true;
    await Promise.all(this.runs);
    await Promise.all(this.publishers.map((p) => p.close().catch(() => undefined)));
    // Leave no failpoint armed for the next seed.
    await Promise.all(
      REGION_NAMES.flatMap((r) =>
        ['publish.send.before', 'publish.send.after'].map((f) =>
          fetch(`${CHAOS_REGIONS[r].service}/failpoints/${f}`, { method: 'DELETE' }).catch(() => undefined),
        ),
      ),
    );
    return this.result;
  }

  private ack(region: string, profile: string, eventIds: string[], creditCents = 0, logins = 0): void {
    // A write of one step is one event; the amounts belong to it.
    for (const eventId of eventIds)
      this.result.acknowledged.push({ eventId, profile, creditCents, logins, region });
  }

  /**
   * A counter write with a key: resent with the same key while its outcome is unknown or nothing
   * was stored (at most 5 attempts), as a client told "retry with the same Idempotency-Key" would.
   */
  private async keyedWrite(
    region: ChaosRegion,
    base: string,
    profile: string,
    kind: 'credit' | 'login',
    amount: number,
    headers: Record<string, string>,
  ): Promise<void> {
    const key = `chaos-${this.seed}-${region}-${this.keys++}`;
    const w: KeyedWrite = {
      key,
      profile,
      eventId: keyedEventId(keyedOrigin(PROFILE, profile, key), 1),
      creditCents: kind === 'credit' ? amount : 0,
      logins: kind === 'login' ? 1 : 0,
      outcome: 'refused',
      answers: [],
    };
    this.result.keyed.push(w);
    let unknown = false;
    for (let attempt = 0; attempt < 5; attempt++) {
      const path = kind === 'credit' ? `/profiles/${profile}/credit` : `/profiles/${profile}/logins`;
      const res = await httpWrite(
        base,
        'POST',
        path,
        kind === 'credit' ? { amountCents: amount } : undefined,
        {
          ...headers,
          'idempotency-key': key,
        },
      );
      w.answers.push(res ? `${res.status}${res.error ? ` ${res.error}` : ''}` : 'no answer');
      if (res?.status === 200) {
        w.outcome = 'acked';
        if (!res.eventIds.includes(w.eventId))
          throw new Error(
            `keyed write ${key} answered event ids ${res.eventIds.join(',')}, expected ${w.eventId}`,
          );
        this.ack(region, profile, [w.eventId], w.creditCents, w.logins);
        return;
      }
      if (!res || !certainlyNotStored(res)) unknown = true;
      if (this.stopped && attempt >= 1) break;
      await new Promise((r) => setTimeout(r, 100 + attempt * 100));
    }
    w.outcome = unknown ? 'unknown' : 'refused';
  }

  private async httpWriter(
    region: ChaosRegion,
    n: number,
    viaGateway: boolean,
    random: () => number,
  ): Promise<void> {
    const base = viaGateway ? GATEWAY : CHAOS_REGIONS[region].service;
    const headers: Record<string, string> = viaGateway ? { 'x-meridian-region': region } : {};
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    while (!this.stopped) {
      const profile = pick(this.profiles);
      const p = `/profiles/${profile}`;
      const kind = pick(['name', 'credit', 'credit', 'login', 'tagAdd', 'tagRemove', 'fav'] as const);
      const amount = (Math.floor(random() * 19) - 9 || 1) * 100;
      const tag = pick(['a', 'b', 'c']);
      // Paced: several clients race on the same profiles, not a flood (what must be checked
      // afterwards, read from every log, stays proportionate to the seed).
      await new Promise((r) => setTimeout(r, 100));
      if (kind === 'credit' || kind === 'login') {
        await this.keyedWrite(region, base, profile, kind, amount, headers);
        continue;
      }
      let res: Awaited<ReturnType<typeof httpWrite>>;
      switch (kind) {
        case 'name':
          res = await httpWrite(
            base,
            'PATCH',
            p,
            { displayName: `${region}-${n}-${Math.floor(random() * 1e6)}` },
            headers,
          );
          break;
        case 'tagAdd':
          res = await httpWrite(base, 'POST', `${p}/tags`, { tag }, headers);
          break;
        case 'tagRemove':
          res = await httpWrite(base, 'DELETE', `${p}/tags/${tag}`, undefined, headers);
          break;
        case 'fav':
          res = await httpWrite(base, 'POST', `${p}/favourites`, { itemId: tag }, headers);
          break;
      }
      if (!res || (res.status >= 500 && !certainlyNotStored(res))) this.result.unknown++;
      else if (res.status !== 200) this.result.refused++;
      else this.ack(region, profile, res.eventIds);
      if (res?.status !== 200) await new Promise((r) => setTimeout(r, 100)); // back off while refused
    }
  }

  /** Arms a one-shot failpoint in a random region every ~0.5 s: a failed send or a lost ack. */
  private async failpointInjector(random: () => number): Promise<void> {
    while (!this.stopped) {
      await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 500)));
      const region = REGION_NAMES[Math.floor(random() * REGION_NAMES.length)]!;
      const where = random() < 0.5 ? 'publish.send.before' : 'publish.send.after';
      const res = await fetch(`${CHAOS_REGIONS[region].service}/failpoints/${where}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'throw', onHit: 1 + Math.floor(random() * 3) }),
        signal: AbortSignal.timeout(2000),
      }).catch(() => undefined);
      if (res?.ok) this.result.failpointsArmed++;
      await res?.arrayBuffer();
    }
  }

  /**
   * A writer built against a newer version of `TagAdded` (one more optional field, new in this
   * seed), whose schema is registered in its own region's registry at its first write and in the
   * other regions only when `registerEverywhere` is called: until then every other projector meets
   * records it cannot decode yet (UNKNOWN_SCHEMA, retriable) and must hold their partition back,
   * not dead-letter them nor skip past them. Writes until the workload stops.
   */
  lateSchemaWriter(region: ChaosRegion, tag: string): { registerEverywhere: () => Promise<void> } {
    const field = `chaos_${this.seed}_${tag}`.replace(/[^A-Za-z0-9_]/g, '_');
    const schemas: ReaderSchema[] = generatedReaders().map((r) => {
      if (r.fullName !== 'io.meridian.profile.v1.TagAdded') return r;
      const schema = JSON.parse(r.text) as { fields: unknown[] };
      schema.fields.push({ name: field, type: ['null', 'string'], default: null });
      return { fullName: r.fullName, text: JSON.stringify(schema) };
    });
    const evolved = schemas.find((r) => r.fullName === 'io.meridian.profile.v1.TagAdded')!;
    const publisher = new EventPublisher({
      region,
      kafka: { brokers: [LOCAL_REGIONS[region]], clientId: `chaos-late-schema-${this.seed}` },
      registry: new ConfluentSchemaRegistry({ url: LOCAL_REGISTRIES[region] }),
      autoRegisterSchemas: true,
      schemas,
      snapshots: new HttpSnapshotSource(CHAOS_REGIONS[region].projector),
    });
    this.publishers.push(publisher);
    const random = mulberry32(this.seed * 7 + 131);
    this.runs.push(
      (async () => {
        while (!this.stopped) {
          const profile = this.profiles[Math.floor(random() * this.profiles.length)]!;
          try {
            const events = await publisher.publish(PROFILE, profile, [
              profileSteps.addTag(['a', 'b', 'c'][Math.floor(random() * 3)]!),
            ]);
            this.ack(
              `${region} (late schema)`,
              profile,
              events.map((e) => e.eventId),
            );
          } catch (e) {
            const err = e instanceof PublisherError ? e : undefined;
            if (err?.certainlyNotStored) this.result.refused++;
            else this.result.unknown++;
          }
          await new Promise((r) => setTimeout(r, 150));
        }
      })(),
    );
    const registerEverywhere = () => registerInEveryRegion(evolved);
    pendingSchemas.add(evolved);
    return { registerEverywhere };
  }

  /**
   * An in-process writer whose clock is off. Within the bound its field writes win or lose by HLC,
   * never by arrival; past it (`pastBound`) the publisher must refuse every write (CLOCK_SKEW), the
   * first one perhaps only after the broker stored it (then every projector dead-letters it).
   */
  private async skewedWriter(random: () => number, skewMs: number, pastBound: boolean): Promise<void> {
    const region = (
      pastBound ? REGION_NAMES[(this.seed + 1) % REGION_NAMES.length] : this.skew.region
    ) as ChaosRegion;
    const publisher = new EventPublisher({
      region,
      kafka: { brokers: [LOCAL_REGIONS[region]], clientId: `chaos-skewed-${this.seed}-${pastBound}` },
      registry: new ConfluentSchemaRegistry({ url: LOCAL_REGISTRIES[region] }),
      snapshots: new HttpSnapshotSource(CHAOS_REGIONS[region].projector),
      wallClockMs: () => Date.now() + skewMs,
      maxForwardSkewMs: SKEW_BOUND_MS,
    });
    this.publishers.push(publisher);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    while (!this.stopped) {
      const profile = pick(this.profiles);
      const credit = random() < 0.5;
      const amount = (Math.floor(random() * 9) + 1) * 10;
      const key = `chaos-${this.seed}-skewed-${pastBound ? 'past' : 'within'}-${this.keys++}`;
      const w: KeyedWrite = {
        key,
        profile,
        eventId: keyedEventId(keyedOrigin(PROFILE, profile, key), 1),
        creditCents: credit ? amount : 0,
        logins: 0,
        outcome: 'refused',
        answers: [],
      };
      try {
        const events = await publisher.publish(
          PROFILE,
          profile,
          [
            credit
              ? profileSteps.adjustCredit(amount)
              : profileSteps.setField('locale', `skewed-${random()}`),
          ],
          { idempotencyKey: key },
        );
        if (pastBound) this.result.pastBound.acked++;
        w.outcome = 'acked';
        w.answers.push('ok');
        this.result.keyed.push(w);
        this.ack(
          `${region} (skewed ${skewMs} ms)`,
          profile,
          events.map((e) => e.eventId),
          w.creditCents,
        );
      } catch (e) {
        const err = e instanceof PublisherError ? e : undefined;
        w.answers.push(err ? err.code : String(e));
        if (pastBound && err?.code === 'CLOCK_SKEW' && err.storedButRejected) {
          // In the log, but dead-lettered by every projector: checked on its own.
          this.result.pastBound.storedButRejected.push(w.eventId);
        } else {
          if (pastBound && err?.code === 'CLOCK_SKEW') this.result.pastBound.refused++;
          w.outcome = err?.certainlyNotStored ? 'refused' : 'unknown';
          this.result.keyed.push(w);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
