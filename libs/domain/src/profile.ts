import { generatedReaders, type Envelope, type ProfileEvent, type ProfileField } from '@meridian/contract';
import {
  prepareCounterAdd,
  prepareLwwSet,
  prepareMapDelete,
  prepareMapSet,
  prepareSetAdd,
  prepareSetRemove,
  type Operation,
} from '@meridian/merge';
import { defineAggregate, rules, type DefinedAggregate } from './define';
import type { AggregateModel, WriteStep } from './model';

/**
 * The profile aggregate: which merge rule each part of a profile follows, and the two-way mapping
 * between its Avro events and the merge library's operations. The writer (profile-service) and every
 * projector use this one mapping, so a region folds exactly what another region wrote.
 *
 * | state                    | document field         | rule                         |
 * | ------------------------ | ---------------------- | ---------------------------- |
 * | displayName/email/locale | same name              | LWW register (HLC, node id)  |
 * | preferences              | `preferences`          | LWW map, observed-remove key |
 * | tags, favourites         | `tags`, `favourites`   | OR-set, add-wins             |
 * | credit (cents)           | `credit`               | PN-counter                   |
 * | login count              | `logins`               | G-counter                    |
 * | sessions                 | `sessions`             | LWW map sessionId → {device} |
 */
export const PROFILE = 'profile';
export const PROFILE_FIELDS: readonly ProfileField[] = ['displayName', 'email', 'locale'];

/** An event without its envelope: what a write step contributes besides the causal metadata. */
export type ProfilePayload = ProfileEvent extends infer E
  ? E extends ProfileEvent
    ? Omit<E, 'envelope'>
    : never
  : never;

/** One step of a profile write (see `WriteStep`). */
export type ProfileStep = WriteStep<ProfilePayload>;

const NS = 'io.meridian.profile.v1';

/** Commands → steps. Counter steps derive the origin's running totals from the writer's view. */
export const profileSteps = {
  setField: (field: ProfileField, value: string): ProfileStep => ({
    mutation: (v) => prepareLwwSet(v, field, value),
    payload: () => ({ type: `${NS}.ProfileFieldChanged`, field, value }),
  }),
  setPreference: (key: string, value: string): ProfileStep => ({
    mutation: (v) => prepareMapSet(v, 'preferences', key, value),
    payload: () => ({ type: `${NS}.PreferenceSet`, key, value }),
  }),
  removePreference: (key: string): ProfileStep => ({
    mutation: (v) => prepareMapDelete(v, 'preferences', key),
    payload: () => ({ type: `${NS}.PreferenceRemoved`, key }),
  }),
  addTag: (tag: string): ProfileStep => ({
    mutation: (v) => prepareSetAdd(v, 'tags', tag),
    payload: () => ({ type: `${NS}.TagAdded`, tag }),
  }),
  removeTag: (tag: string): ProfileStep => ({
    mutation: (v) => prepareSetRemove(v, 'tags', tag),
    payload: () => ({ type: `${NS}.TagRemoved`, tag }),
  }),
  addFavourite: (itemId: string): ProfileStep => ({
    mutation: (v) => prepareSetAdd(v, 'favourites', itemId),
    payload: () => ({ type: `${NS}.FavouriteAdded`, itemId }),
  }),
  removeFavourite: (itemId: string): ProfileStep => ({
    mutation: (v) => prepareSetRemove(v, 'favourites', itemId),
    payload: () => ({ type: `${NS}.FavouriteRemoved`, itemId }),
  }),
  adjustCredit: (amountCents: number): ProfileStep => ({
    mutation: (v, origin) => prepareCounterAdd(v, 'credit', origin, amountCents),
    reads: 'own',
    payload: (op) => {
      if (op.kind !== 'counter.add') throw new Error('adjustCredit expects a counter.add');
      return { type: `${NS}.CreditAdjusted`, amountCents, totalsP: op.p, totalsN: op.n };
    },
  }),
  recordLogin: (): ProfileStep => ({
    mutation: (v, origin) => prepareCounterAdd(v, 'logins', origin, 1),
    reads: 'own',
    payload: (op) => {
      if (op.kind !== 'counter.add') throw new Error('recordLogin expects a counter.add');
      return { type: `${NS}.LoginRecorded`, totalsP: op.p };
    },
  }),
  startSession: (sessionId: string, device: string): ProfileStep => ({
    mutation: (v) => prepareMapSet(v, 'sessions', sessionId, { device }),
    payload: () => ({ type: `${NS}.SessionStarted`, sessionId, device }),
  }),
  endSession: (sessionId: string, reason: string): ProfileStep => ({
    mutation: (v) => prepareMapDelete(v, 'sessions', sessionId),
    payload: () => ({ type: `${NS}.SessionEnded`, sessionId, reason }),
  }),
};

/**
 * Event → merge operation, as every projector folds it (the inverse of the writer's steps). Built as
 * one literal per kind, not `{ ...base, kind, ... }`: on Node 20 that spread shape costs ~1 µs per
 * added key, paid for every event a projector folds.
 */
export function profileEventToOperation(e: ProfileEvent): Operation {
  const env: Envelope = e.envelope;
  const eventId = env.eventId;
  const origin = env.hlc.nodeId;
  const seq = env.seq;
  const hlc = env.hlc;
  const observed = env.observed;
  switch (e.type) {
    case `${NS}.ProfileFieldChanged`:
      return { eventId, origin, seq, hlc, kind: 'lww.set', field: e.field, value: e.value, observed };
    case `${NS}.PreferenceSet`:
      return {
        eventId,
        origin,
        seq,
        hlc,
        kind: 'map.set',
        field: 'preferences',
        key: e.key,
        value: e.value,
        observed,
      };
    case `${NS}.PreferenceRemoved`:
      return { eventId, origin, seq, hlc, kind: 'map.delete', field: 'preferences', key: e.key, observed };
    case `${NS}.TagAdded`:
      return { eventId, origin, seq, hlc, kind: 'set.add', field: 'tags', value: e.tag, observed };
    case `${NS}.TagRemoved`:
      return { eventId, origin, seq, hlc, kind: 'set.remove', field: 'tags', value: e.tag, observed };
    case `${NS}.FavouriteAdded`:
      return { eventId, origin, seq, hlc, kind: 'set.add', field: 'favourites', value: e.itemId, observed };
    case `${NS}.FavouriteRemoved`:
      return {
        eventId,
        origin,
        seq,
        hlc,
        kind: 'set.remove',
        field: 'favourites',
        value: e.itemId,
        observed,
      };
    case `${NS}.CreditAdjusted`:
      return {
        eventId,
        origin,
        seq,
        hlc,
        kind: 'counter.add',
        field: 'credit',
        p: e.totalsP,
        n: e.totalsN,
        observed,
      };
    case `${NS}.LoginRecorded`:
      return {
        eventId,
        origin,
        seq,
        hlc,
        kind: 'counter.add',
        field: 'logins',
        p: e.totalsP,
        n: 0,
        observed,
      };
    case `${NS}.SessionStarted`:
      return {
        eventId,
        origin,
        seq,
        hlc,
        kind: 'map.set',
        field: 'sessions',
        key: e.sessionId,
        value: { device: e.device },
        observed,
      };
    case `${NS}.SessionEnded`:
      return { eventId, origin, seq, hlc, kind: 'map.delete', field: 'sessions', key: e.sessionId, observed };
  }
}

/**
 * The profile aggregate, declared like any team's model (`defineAggregate`): what every projector
 * folds with. The hand-written `profileEventToOperation` above stays as the reference the
 * declaration is tested against (define.unit.spec.ts) and the engine bench's baseline.
 */
export const profileModel: DefinedAggregate = defineAggregate({
  aggregateType: PROFILE,
  namespace: NS,
  schemas: generatedReaders().filter((s) => s.fullName.startsWith(`${NS}.`)),
  state: {
    displayName: rules.lww(),
    email: rules.lww(),
    locale: rules.lww(),
    preferences: rules.lwwMap(),
    tags: rules.orSet(),
    favourites: rules.orSet(),
    credit: rules.pnCounter(),
    logins: rules.gCounter(),
    sessions: rules.lwwMap(),
  },
  events: {
    ProfileFieldChanged: { op: 'set', state: { from: 'field' }, value: 'value' },
    PreferenceSet: { op: 'put', state: 'preferences', key: 'key', value: 'value' },
    PreferenceRemoved: { op: 'delete', state: 'preferences', key: 'key' },
    TagAdded: { op: 'add', state: 'tags', value: 'tag' },
    TagRemoved: { op: 'remove', state: 'tags', value: 'tag' },
    FavouriteAdded: { op: 'add', state: 'favourites', value: 'itemId' },
    FavouriteRemoved: { op: 'remove', state: 'favourites', value: 'itemId' },
    CreditAdjusted: { op: 'count', state: 'credit', by: 'amountCents' },
    LoginRecorded: { op: 'count', state: 'logins', by: 1 },
    SessionStarted: { op: 'put', state: 'sessions', key: 'sessionId', value: { device: 'device' } },
    SessionEnded: { op: 'delete', state: 'sessions', key: 'sessionId' },
  },
});

/** The hand-written mapping as a model (the engine bench's before/after baseline). */
export const profileReferenceModel: AggregateModel<ProfileEvent> = {
  aggregateType: PROFILE,
  toOperation: (e: ProfileEvent): Operation => profileEventToOperation(e),
};
