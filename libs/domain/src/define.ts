// Long on purpose: the definition, its validation against the Avro schemas, and the three things
// derived from it (event → operation, command → write step, state → read shape) must change together.
import { MeridianError } from '@meridian/errors';
import {
  prepareCounterAdd,
  prepareLwwSet,
  prepareMapDelete,
  prepareMapSet,
  prepareMvSet,
  prepareSetAdd,
  prepareSetRemove,
  readField,
  type Document,
  type Mutation,
  type Operation,
  type Value,
} from '@meridian/merge';
import { aggregateTypeProblem } from './ids';
import type { AggregateModel } from './model';

/**
 * A team's aggregate, declared once: which merge rule each part of its state follows, and which
 * state each of its Avro events changes and how. From that one declaration come the projector's
 * event → operation mapping (`toOperation`), the writer's steps (`steps.<Event>(payload)`) and the
 * read shape (`read(doc)`), so the writer and every projector of every region agree by construction.
 */

/** The merge rules a part of the state can follow (each is a CRDT in `@meridian/merge`). */
export type RuleKind = 'lww' | 'mv' | 'pnCounter' | 'gCounter' | 'orSet' | 'lwwMap';

export interface StateRule {
  readonly rule: RuleKind;
  /**
   * A family of parts, one per member key (stock per warehouse): the merge field of member `k` of
   * state `s` is `s/k`, and the read shape is `{ k: value }`.
   */
  readonly keyed: boolean;
}

/** Builders for the state declaration. */
export const rules = {
  /** Last writer wins by HLC (node id breaks ties); concurrent writes are recorded as conflicts. */
  lww: (): StateRule => ({ rule: 'lww', keyed: false }),
  /** Multi-value register: concurrent writes all survive until one write has seen them all. */
  mv: (): StateRule => ({ rule: 'mv', keyed: false }),
  /** Increments and decrements; each origin carries its running totals. */
  pnCounter: (): StateRule => ({ rule: 'pnCounter', keyed: false }),
  /** Increments only: a negative delta is refused at the writer. */
  gCounter: (): StateRule => ({ rule: 'gCounter', keyed: false }),
  /** Add-wins observed-remove set. */
  orSet: (): StateRule => ({ rule: 'orSet', keyed: false }),
  /** Map of LWW values with observed-remove keys (a concurrent put survives a delete). */
  lwwMap: (): StateRule => ({ rule: 'lwwMap', keyed: false }),
  /** Nested: one part following `inner` per member key. */
  keyed: (inner: StateRule): StateRule => ({ rule: inner.rule, keyed: true }),
};

/**
 * Where a value comes from in the event payload: a field's name, a record of names (an object
 * value built from several fields), or, for a counter's delta, a constant.
 */
export type ValueSource = string | { readonly [key: string]: string };

/** What one event does to the state. `state` names a declared part; `member` picks a keyed one. */
export type Effect =
  | {
      /** Register write. `state` may be `{ from }`: the payload field that names the part. */
      readonly op: 'set';
      readonly state: string | { readonly from: string };
      readonly value: ValueSource;
      readonly member?: string;
    }
  | {
      readonly op: 'add' | 'remove';
      readonly state: string;
      readonly value: ValueSource;
      readonly member?: string;
    }
  | {
      readonly op: 'put';
      readonly state: string;
      readonly key: string;
      readonly value: ValueSource;
      readonly member?: string;
    }
  | { readonly op: 'delete'; readonly state: string; readonly key: string; readonly member?: string }
  | {
      /**
       * Counter change by `by` (a payload field, or a constant such as 1). The event also carries
       * the origin's running totals in `totalsP` (and `totalsN` for a PN counter): what is merged.
       */
      readonly op: 'count';
      readonly state: string;
      readonly by: string | number;
      readonly member?: string;
    };

/** A schema this model's events are read and written with (`{ fullName, text }`, self-contained). */
export interface ModelSchema {
  readonly fullName: string;
  readonly text: string;
}

export interface AggregateDefinition<S extends Record<string, StateRule>> {
  /** Also the topic `meridian.<aggregateType>` and the namespace segment `io.meridian.<type>.v<N>`. */
  readonly aggregateType: string;
  /** The events' Avro namespace, e.g. `io.meridian.inventory.v1`. */
  readonly namespace: string;
  readonly state: S;
  /** Record name (without namespace) → its effect. Every event schema of the namespace needs one. */
  readonly events: Readonly<Record<string, Effect>>;
  /** The event schemas (reader = writer of this build); checked against the effects at definition. */
  readonly schemas: readonly ModelSchema[];
}

/** The shape `read` returns for one part, by rule. */
export type PartView = Value | undefined;

/**
 * One step of a write to a defined aggregate: as `WriteStep`, with the event type a string (a
 * team's events are not among the contract's generated types).
 */
export interface ModelStep {
  mutation: (view: Document, origin: string) => Mutation;
  payload: (op: Operation) => { readonly type: string } & Record<string, Value>;
  reads?: 'own';
}

/** A payload as a writer hands it to a step: the event's fields except envelope, type and totals. */
export type StepInput = Readonly<Record<string, Value>>;

export interface DefinedAggregate<
  S extends Record<string, StateRule> = Record<string, StateRule>,
> extends AggregateModel {
  readonly definition: AggregateDefinition<S>;
  /** Event record full names of this model. */
  readonly eventNames: readonly string[];
  /** One step builder per event (by record name): the mutation of the writer's view and the payload. */
  readonly steps: Readonly<Record<string, (input: StepInput) => ModelStep>>;
  /**
   * The state as a reader sees it: per declared part, LWW/MV → value (MV: the sorted list of
   * concurrent values), counters → number, OR-set → sorted list, map → object; keyed parts →
   * `{ member: value }`. Parts never written are absent.
   */
  read(doc: Document): Record<string, PartView>;
}

/** The definition contradicts itself or its schemas; `message` names the event and field. */
export class ModelDefinitionError extends MeridianError<'INVALID_MODEL'> {
  constructor(message: string) {
    super('INVALID_MODEL', message);
  }
}

/** A step was given a payload its event cannot carry; names the field. */
export class StepInputError extends MeridianError<'INVALID_STEP'> {
  constructor(
    readonly event: string,
    readonly field: string,
    message: string,
  ) {
    super('INVALID_STEP', `${event}.${field}: ${message}`);
  }
}

const KEYED_SEPARATOR = '/';
const OPS_BY_RULE: Record<RuleKind, readonly Effect['op'][]> = {
  lww: ['set'],
  mv: ['set'],
  pnCounter: ['count'],
  gCounter: ['count'],
  orSet: ['add', 'remove'],
  lwwMap: ['put', 'delete'],
};

interface AvroRecord {
  readonly name: string;
  readonly fields: readonly { readonly name: string }[];
}

/** Declares an aggregate; throws ModelDefinitionError naming what does not fit. */
export function defineAggregate<S extends Record<string, StateRule>>(
  definition: AggregateDefinition<S>,
): DefinedAggregate<S> {
  const d = definition;
  const problem = aggregateTypeProblem(d.aggregateType);
  if (problem) throw new ModelDefinitionError(problem);
  if (!d.namespace.startsWith(`io.meridian.${d.aggregateType}.v`))
    throw new ModelDefinitionError(
      `namespace ${d.namespace} must be io.meridian.${d.aggregateType}.v<N> (the aggregate type is read from it)`,
    );
  for (const name of Object.keys(d.state))
    if (name.length === 0 || name.includes(KEYED_SEPARATOR))
      throw new ModelDefinitionError(
        `state ${JSON.stringify(name)}: a part's name is non-empty, without "/"`,
      );

  const records = new Map<string, AvroRecord>();
  for (const s of d.schemas) {
    if (!s.fullName.startsWith(`${d.namespace}.`)) continue;
    records.set(s.fullName.slice(d.namespace.length + 1), JSON.parse(s.text) as AvroRecord);
  }
  for (const name of records.keys())
    if (!(name in d.events))
      throw new ModelDefinitionError(`event ${d.namespace}.${name} has no declared effect`);

  const toOp = new Map<string, (e: EventLike) => Operation>();
  const steps: Record<string, (input: StepInput) => ModelStep> = {};
  for (const [name, effect] of Object.entries(d.events)) {
    const record = records.get(name);
    if (!record)
      throw new ModelDefinitionError(
        `event ${name}: no schema ${d.namespace}.${name} among the model's schemas`,
      );
    const fullName = `${d.namespace}.${name}`;
    const fields = new Set(record.fields.map((f) => f.name));
    checkEffect(d, name, effect, fields);
    toOp.set(fullName, compileToOperation(d, effect));
    steps[name] = compileStep(d, fullName, name, effect, fields);
  }

  const model: DefinedAggregate<S> = {
    aggregateType: d.aggregateType,
    definition: d,
    eventNames: [...toOp.keys()].sort(),
    steps,
    toOperation(event) {
      const f = toOp.get(event.type);
      if (!f) throw new ModelDefinitionError(`${event.type} is not an event of the ${d.aggregateType} model`);
      return f(event as unknown as EventLike);
    },
    read: (doc) => readModel(d.state, doc),
  };
  return model;
}

interface EventLike {
  readonly type: string;
  readonly envelope: {
    readonly eventId: string;
    readonly seq: number;
    readonly hlc: { readonly wallMs: number; readonly logical: number; readonly nodeId: string };
    readonly observed: readonly string[];
  };
  readonly [field: string]: unknown;
}

function stateOf(d: AggregateDefinition<Record<string, StateRule>>, name: string): StateRule | undefined {
  return Object.prototype.hasOwnProperty.call(d.state, name) ? d.state[name] : undefined;
}

function checkEffect(
  d: AggregateDefinition<Record<string, StateRule>>,
  event: string,
  e: Effect,
  fields: ReadonlySet<string>,
): void {
  const fail = (m: string): never => {
    throw new ModelDefinitionError(`event ${event}: ${m}`);
  };
  const need = (field: string, role: string): void => {
    if (!fields.has(field)) fail(`${role} ${JSON.stringify(field)} is not a field of its schema`);
  };
  const targets: string[] =
    typeof e.state === 'string'
      ? [e.state]
      : Object.keys(d.state).filter((s) => OPS_BY_RULE[(d.state[s] as StateRule).rule].includes(e.op));
  if (typeof e.state !== 'string') {
    need(e.state.from, 'state.from');
    if (targets.length === 0) fail(`no declared part takes "${e.op}"`);
  }
  let keyed: boolean | undefined;
  for (const t of targets) {
    const rule = stateOf(d, t);
    if (!rule) fail(`state ${JSON.stringify(t)} is not declared`);
    const r = rule as StateRule;
    if (!OPS_BY_RULE[r.rule].includes(e.op))
      fail(`"${e.op}" does not apply to ${t} (a ${r.rule}; it takes ${OPS_BY_RULE[r.rule].join('/')})`);
    if (keyed !== undefined && keyed !== r.keyed) fail('state.from names keyed and plain parts at once');
    keyed = r.keyed;
  }
  if (keyed && e.member === undefined)
    fail(`state ${targets.join('/')} is keyed: name the payload field of its member`);
  if (!keyed && e.member !== undefined) fail(`member given, but ${targets.join('/')} is not keyed`);
  if (e.member !== undefined) need(e.member, 'member');
  if ('key' in e) need(e.key, 'key');
  if ('value' in e) for (const f of sourceFields(e.value)) need(f, 'value');
  if (e.op === 'count') {
    if (typeof e.by === 'string') need(e.by, 'by');
    else if (!Number.isSafeInteger(e.by) || e.by === 0) fail('a constant "by" is a non-zero safe integer');
    need('totalsP', 'the running total');
    const rule = stateOf(d, e.state) as StateRule;
    if (rule.rule === 'pnCounter') need('totalsN', 'the running total');
    if (rule.rule === 'gCounter' && typeof e.by === 'number' && e.by < 0) fail('a G-counter only grows');
  }
}

function sourceFields(v: ValueSource): string[] {
  return typeof v === 'string' ? [v] : Object.values(v);
}

function valueFrom(v: ValueSource, payload: Readonly<Record<string, unknown>>): Value {
  if (typeof v === 'string') return payload[v] as Value;
  const out: Record<string, Value> = {};
  for (const k of Object.keys(v)) out[k] = payload[v[k] as string] as Value;
  return out;
}

function partName(state: string, member: unknown): string {
  return member === undefined ? state : `${state}${KEYED_SEPARATOR}${String(member)}`;
}

/**
 * Event → operation. Each kind builds one object literal with its keys in one order, so every
 * operation of a kind shares a hidden class (a spread costs ~1 µs per key on Node 20, per event).
 */
function compileToOperation(
  d: AggregateDefinition<Record<string, StateRule>>,
  e: Effect,
): (ev: EventLike) => Operation {
  // The declared part an event writes: fixed, or named by a payload field (`state: { from }`).
  const partOf = (ev: EventLike): string =>
    typeof e.state === 'string' ? e.state : String(ev[e.state.from]);
  const stateName = (ev: EventLike): string =>
    e.member === undefined ? partOf(ev) : partName(partOf(ev), ev[e.member]);
  switch (e.op) {
    case 'set': {
      // Resolved once: which declared registers exist and their kind (no lookup chain per event).
      const kinds = new Map<string, 'lww.set' | 'mv.set'>();
      for (const [name, r] of Object.entries(d.state))
        if (r.rule === 'lww' || r.rule === 'mv') kinds.set(name, r.rule === 'lww' ? 'lww.set' : 'mv.set');
      const fixed = typeof e.state === 'string' ? e.state : undefined;
      const from = typeof e.state === 'string' ? '' : e.state.from;
      const member = e.member;
      return (ev) => {
        const part = fixed ?? String(ev[from]);
        const kind = kinds.get(part);
        if (kind === undefined)
          throw new ModelDefinitionError(`${ev.type}: ${part} is not a register of the model`);
        const env = ev.envelope;
        return {
          eventId: env.eventId,
          origin: env.hlc.nodeId,
          seq: env.seq,
          hlc: env.hlc,
          kind,
          field: member === undefined ? part : partName(part, ev[member]),
          value: valueFrom(e.value, ev),
          observed: env.observed,
        };
      };
    }
    case 'add':
    case 'remove': {
      const kind = e.op === 'add' ? 'set.add' : 'set.remove';
      return (ev) => {
        const env = ev.envelope;
        return {
          eventId: env.eventId,
          origin: env.hlc.nodeId,
          seq: env.seq,
          hlc: env.hlc,
          kind,
          field: stateName(ev),
          value: valueFrom(e.value, ev),
          observed: env.observed,
        };
      };
    }
    case 'put':
      return (ev) => {
        const env = ev.envelope;
        return {
          eventId: env.eventId,
          origin: env.hlc.nodeId,
          seq: env.seq,
          hlc: env.hlc,
          kind: 'map.set',
          field: stateName(ev),
          key: String(ev[e.key]),
          value: valueFrom(e.value, ev),
          observed: env.observed,
        };
      };
    case 'delete':
      return (ev) => {
        const env = ev.envelope;
        return {
          eventId: env.eventId,
          origin: env.hlc.nodeId,
          seq: env.seq,
          hlc: env.hlc,
          kind: 'map.delete',
          field: stateName(ev),
          key: String(ev[e.key]),
          observed: env.observed,
        };
      };
    case 'count': {
      const pn = (stateOf(d, e.state) as StateRule).rule === 'pnCounter';
      return (ev) => {
        const env = ev.envelope;
        return {
          eventId: env.eventId,
          origin: env.hlc.nodeId,
          seq: env.seq,
          hlc: env.hlc,
          kind: 'counter.add',
          field: stateName(ev),
          p: ev.totalsP as number,
          n: pn ? (ev.totalsN as number) : 0,
          observed: env.observed,
        };
      };
    }
  }
}

/** Command → write step: the mutation of the writer's view and the payload it becomes. */
function compileStep(
  d: AggregateDefinition<Record<string, StateRule>>,
  fullName: string,
  name: string,
  e: Effect,
  fields: ReadonlySet<string>,
): (input: StepInput) => ModelStep {
  const reserved = new Set(['envelope', 'type', 'totalsP', 'totalsN']);
  return (input) => {
    for (const k of Object.keys(input)) {
      if (reserved.has(k)) throw new StepInputError(name, k, 'is set by Meridian, not by the writer');
      if (!fields.has(k)) throw new StepInputError(name, k, 'is not a field of the event');
    }
    const need = (f: string): Value => {
      const v = input[f];
      if (v === undefined) throw new StepInputError(name, f, 'is required');
      return v;
    };
    const member = e.member === undefined ? undefined : need(e.member);
    const stateKey = typeof e.state === 'string' ? e.state : String(need(e.state.from));
    const rule = stateOf(d, stateKey);
    if (!rule || !OPS_BY_RULE[rule.rule].includes(e.op))
      throw new StepInputError(
        name,
        typeof e.state === 'string' ? 'state' : e.state.from,
        `${stateKey} takes no "${e.op}"`,
      );
    const field = partName(stateKey, member);
    if ('value' in e) for (const f of sourceFields(e.value)) need(f);
    const value = 'value' in e ? valueFrom(e.value, input) : undefined;
    const payload = (extra: Record<string, Value> = {}) => ({ type: fullName, ...input, ...extra });
    switch (e.op) {
      case 'set':
        return {
          mutation: (v: Document): Mutation =>
            rule.rule === 'lww'
              ? prepareLwwSet(v, field, value as Value)
              : prepareMvSet(v, field, value as Value),
          payload: () => payload(),
        };
      case 'add':
        return { mutation: (v) => prepareSetAdd(v, field, value as Value), payload: () => payload() };
      case 'remove':
        return { mutation: (v) => prepareSetRemove(v, field, value as Value), payload: () => payload() };
      case 'put': {
        const key = String(need(e.key));
        return { mutation: (v) => prepareMapSet(v, field, key, value as Value), payload: () => payload() };
      }
      case 'delete': {
        const key = String(need(e.key));
        return { mutation: (v) => prepareMapDelete(v, field, key), payload: () => payload() };
      }
      case 'count': {
        const by = typeof e.by === 'number' ? e.by : need(e.by);
        if (typeof by !== 'number' || !Number.isSafeInteger(by))
          throw new StepInputError(name, typeof e.by === 'string' ? e.by : 'by', 'must be a safe integer');
        if (rule.rule === 'gCounter' && by < 0)
          throw new StepInputError(name, typeof e.by === 'string' ? e.by : 'by', `${stateKey} only grows`);
        const pn = rule.rule === 'pnCounter';
        return {
          mutation: (v, origin) => prepareCounterAdd(v, field, origin, by),
          reads: 'own',
          payload: (op: Operation) => {
            if (op.kind !== 'counter.add') throw new StepInputError(name, 'op', 'expects a counter.add');
            return payload(pn ? { totalsP: op.p, totalsN: op.n } : { totalsP: op.p });
          },
        };
      }
    }
  };
}

function partView(rule: RuleKind, view: ReturnType<typeof readField>): PartView {
  if (view === undefined) return undefined;
  switch (rule) {
    case 'lww':
      return view.lww;
    case 'mv':
      return view.mv;
    case 'pnCounter':
    case 'gCounter':
      return view.counter;
    case 'orSet':
      return view.set;
    case 'lwwMap':
      return view.map;
  }
}

function readModel(state: Record<string, StateRule>, doc: Document): Record<string, PartView> {
  const out: Record<string, PartView> = {};
  const members = new Map<string, string[]>();
  for (const f of Object.keys(doc.fields)) {
    const i = f.indexOf(KEYED_SEPARATOR);
    if (i < 0) continue;
    const s = f.slice(0, i);
    const list = members.get(s);
    if (list) list.push(f.slice(i + 1));
    else members.set(s, [f.slice(i + 1)]);
  }
  for (const name of Object.keys(state).sort()) {
    const r = state[name] as StateRule;
    if (!r.keyed) {
      const v = partView(r.rule, readField(doc, name));
      if (v !== undefined) out[name] = v;
      continue;
    }
    const keys = (members.get(name) ?? []).sort();
    if (keys.length === 0) continue;
    const m: Record<string, Value> = {};
    for (const k of keys) {
      const v = partView(r.rule, readField(doc, partName(name, k)));
      if (v !== undefined) m[k] = v;
    }
    out[name] = m;
  }
  return out;
}
