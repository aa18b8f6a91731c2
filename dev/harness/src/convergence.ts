import fc from 'fast-check';
import type { DefinedAggregate, PartView, StepInput } from '@meridian/domain';
import {
  applyOps,
  canonicalEncode,
  digest,
  documentEmpty,
  HybridLogicalClock,
  type Document,
  type Hlc,
  type Operation,
} from '@meridian/merge';

/**
 * A convergence harness for a team's own aggregate model. It runs the model the way Meridian does —
 * writers build steps on their own view (`model.steps`), the payload becomes an event, every replica
 * folds the event through `model.toOperation` — over generated histories: N replicas writing
 * concurrently, sessions restarting (a new origin, as after a writer restart), deliveries in any
 * order with duplicates. Each history must end with:
 *
 * - **round trip**: the operation a writer applied to its own view equals the one every projector
 *   derives from the event it published;
 * - **convergence**: every replica, once it has everything, holds the same document (digest), and so
 *   does a replica that folds the history in write order (a replay);
 * - **idempotence**: delivering everything again changes nothing;
 * - **the model's invariants**, stated by the team over the read shape and the accepted writes.
 *
 * Seeded: the seed is printed, and `FC_SEED=<n>` replays a failure.
 */

/** One write a replica attempts: an event of the model and its step input. */
export interface HarnessWrite {
  readonly event: string;
  readonly input: StepInput;
}

/** A write the model accepted, where and as which operation. */
export interface AcceptedWrite extends HarnessWrite {
  readonly replica: number;
  readonly op: Operation;
}

/** An invariant: `true`, or a sentence saying what is wrong. */
export type Invariant = (view: Record<string, PartView>, writes: readonly AcceptedWrite[]) => true | string;

export type HarnessModel = Pick<DefinedAggregate, 'aggregateType' | 'steps' | 'read' | 'toOperation'>;

export interface ConvergenceOptions {
  readonly model: HarnessModel;
  /** The writes to draw from (use the model's event names; small value domains find conflicts). */
  readonly writes: fc.Arbitrary<HarnessWrite>;
  readonly invariants?: Readonly<Record<string, Invariant>>;
  /** Default 3. */
  readonly replicas?: number;
  /** Actions per history (writes, deliveries, restarts). Default 40. */
  readonly maxActions?: number;
  /** Default FC_NUM_RUNS or 300. */
  readonly numRuns?: number;
  /** Default FC_SEED or a random one (printed). */
  readonly seed?: number;
  /**
   * Makes the fold the replicas of one history use (called once per history, so a fold may keep
   * state per replica): Meridian's `applyOps` by default. A test passes another one to show the
   * harness catches a broken rule.
   */
  readonly makeFold?: () => Fold;
  /** Label for the printed seed line (default: the aggregate type). */
  readonly label?: string;
}

export type Fold = (doc: Document, ops: readonly Operation[], replica: number) => Document;

export interface ConvergenceReport {
  readonly seed: number;
  readonly numRuns: number;
}

type Action =
  | { readonly t: 'write'; readonly r: number; readonly w: HarnessWrite }
  | { readonly t: 'deliver'; readonly r: number; readonly pick: number }
  | { readonly t: 'restart'; readonly r: number };

interface Replica {
  doc: Document;
  session: number;
  origin: string;
  seq: number;
  clock: HybridLogicalClock;
}

/** A check failed: its message says which, with the seed and the shrunk history that shows it. */
export class ConvergenceViolation extends Error {}

const defaultFold: Fold = (doc, ops) => applyOps(doc, ops);

/** Runs the checks; throws ConvergenceViolation (what broke, the seed, the shrunk history) on a failure. */
export function checkConvergence(o: ConvergenceOptions): ConvergenceReport {
  const replicas = o.replicas ?? 3;
  const numRuns = o.numRuns ?? Number(process.env.FC_NUM_RUNS ?? 300);
  const fromEnv = process.env.FC_SEED;
  const seed = o.seed ?? (fromEnv ? Number(fromEnv) : (Math.random() * 2 ** 31) | 0);
  console.log(
    `[convergence] ${o.label ?? o.model.aggregateType}: seed=${seed} numRuns=${numRuns} (replay with FC_SEED=${seed})`,
  );
  const r = fc.nat({ max: replicas - 1 });
  const action: fc.Arbitrary<Action> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant('write' as const), r, w: o.writes }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant('deliver' as const), r, pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const), r }) },
  );
  const history = fc.tuple(
    fc.array(action, { minLength: 1, maxLength: o.maxActions ?? 40 }),
    // The final delivery order per replica: a permutation (with repeats) of everything written.
    fc.array(fc.array(fc.nat(), { maxLength: 200 }), { minLength: replicas, maxLength: replicas }),
  );
  const out = fc.check(
    fc.property(history, ([actions, finals]) => runHistory(o, replicas, actions, finals)),
    { seed, numRuns },
  );
  if (out.failed) {
    const why = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
    throw new ConvergenceViolation(
      `${why}\n  seed=${out.seed} path=${out.counterexamplePath} (replay with FC_SEED=${out.seed})\n` +
        `  shrunk history: ${fc.stringify(out.counterexample)}`,
    );
  }
  return { seed, numRuns };
}

function runHistory(
  o: ConvergenceOptions,
  n: number,
  actions: readonly Action[],
  finals: readonly (readonly number[])[],
): void {
  const fold = o.makeFold ? o.makeFold() : defaultFold;
  let wall = 1_700_000_000_000;
  const replicas: Replica[] = Array.from({ length: n }, (_, i) => newReplica(i, () => wall));
  const log: Operation[] = [];
  const accepted: AcceptedWrite[] = [];
  for (const a of actions) {
    // Coarse wall clock: writes of different replicas tie on wallMs, and HLC order decides.
    wall += a.t === 'write' ? 1 : 0;
    const rep = replicas[a.r] as Replica;
    if (a.t === 'restart') {
      // A restarted writer starts a new session: a new origin on the view it had (its clock goes on).
      rep.session += 1;
      rep.origin = `r${a.r}.s${rep.session}`;
      rep.seq = 0;
      continue;
    }
    if (a.t === 'deliver') {
      if (log.length === 0) continue;
      const op = log[a.pick % log.length] as Operation;
      rep.clock.receive(op.hlc);
      rep.doc = fold(rep.doc, [op], a.r);
      continue;
    }
    const build = o.model.steps[a.w.event];
    if (!build) throw new ConvergenceViolation(`${a.w.event} is not an event of ${o.model.aggregateType}`);
    let step;
    try {
      step = build(a.w.input);
    } catch {
      continue; // the writer refuses the input (StepInputError): nothing is published
    }
    const m = step.mutation(rep.doc, rep.origin);
    const seq = rep.seq + 1;
    const hlc: Hlc = { ...rep.clock.now(), nodeId: rep.origin };
    const written = { eventId: `${rep.origin}-${seq}`, origin: rep.origin, seq, hlc, ...m } as Operation;
    const payload = step.payload(written);
    const event = {
      ...payload,
      envelope: {
        eventId: written.eventId,
        aggregateType: o.model.aggregateType,
        aggregateId: 'harness-1',
        originRegion: `r${a.r}`,
        hlc,
        writerEpoch: 1,
        causationId: null,
        correlationId: null,
        occurredAt: hlc.wallMs,
        seq,
        observed: m.observed,
      },
    };
    const derived = o.model.toOperation(event as never);
    if (canonicalEncode(derived) !== canonicalEncode(written))
      throw new ConvergenceViolation(
        `round trip: ${a.w.event} ${JSON.stringify(a.w.input)} was applied by its writer as ` +
          `${JSON.stringify(written)} but projectors derive ${JSON.stringify(derived)}`,
      );
    rep.seq = seq;
    rep.doc = fold(rep.doc, [written], a.r);
    log.push(written);
    accepted.push({ ...a.w, replica: a.r, op: written });
  }

  // Everything reaches everyone, in each replica's own order, with repeats.
  const digests = replicas.map((rep, i) => {
    const order = [...(finals[i] ?? []).map((k) => (log.length ? k % log.length : 0)), ...log.keys()];
    let doc = rep.doc;
    for (const k of order) if (log[k]) doc = fold(doc, [log[k] as Operation], i);
    rep.doc = doc;
    return digest(doc);
  });
  const replay = digest(log.reduce((d, op) => fold(d, [op], n), documentEmpty()));
  for (let i = 0; i < n; i++) {
    if (digests[i] !== digests[0])
      throw new ConvergenceViolation(
        `convergence: replica ${i} differs from replica 0 after every event arrived ` +
          `(digests ${digests[0]?.slice(0, 12)}… vs ${digests[i]?.slice(0, 12)}…)\n` +
          `  r0: ${JSON.stringify(o.model.read((replicas[0] as Replica).doc))}\n` +
          `  r${i}: ${JSON.stringify(o.model.read((replicas[i] as Replica).doc))}`,
      );
  }
  if (log.length > 0 && replay !== digests[0])
    throw new ConvergenceViolation(
      `convergence: a replay in write order differs from the replicas\n` +
        `  replicas: ${JSON.stringify(o.model.read((replicas[0] as Replica).doc))}`,
    );
  for (let i = 0; i < n; i++) {
    const rep = replicas[i] as Replica;
    if (digest(log.reduce((d, op) => fold(d, [op], i), rep.doc)) !== digests[i])
      throw new ConvergenceViolation(`idempotence: delivering the history again changed replica ${i}`);
  }
  const view = o.model.read((replicas[0] as Replica).doc);
  for (const [name, check] of Object.entries(o.invariants ?? {})) {
    const verdict = check(view, accepted);
    if (verdict !== true)
      throw new ConvergenceViolation(`invariant "${name}": ${verdict}\n  state: ${JSON.stringify(view)}`);
  }
}

function newReplica(i: number, wall: () => number): Replica {
  const origin = `r${i}.s0`;
  return {
    doc: documentEmpty(),
    session: 0,
    origin,
    seq: 0,
    clock: new HybridLogicalClock({ nodeId: origin, wallClockMs: wall, maxForwardSkewMs: 10 ** 12 }),
  };
}
