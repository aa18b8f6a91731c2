// generated — do not edit. Source: schemas/**/*.avsc; regenerate with `npm run gen:types`.

import type { Envelope } from './envelope-v1';

/** The credit balance changed. Merged as a PN-counter: each origin carries its running totals. */
export interface CreditAdjusted {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.CreditAdjusted';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** Signed change in cents (negative for a debit); informational, merge uses the totals. */
  readonly amountCents: number;
  /** Running total of increments (cents) by this origin after the change: merge counter.add `p`. */
  readonly totalsP: number;
  /** Running total of decrements (cents) by this origin after the change: merge counter.add `n`. */
  readonly totalsN: number;
}

/** An item was added to the favourites. Merged as an add-wins OR-set. */
export interface FavouriteAdded {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.FavouriteAdded';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** Id of the item added. */
  readonly itemId: string;
}

/** An item was removed from the favourites (observed-remove; a concurrent add elsewhere wins). */
export interface FavouriteRemoved {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.FavouriteRemoved';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** Id of the item removed. */
  readonly itemId: string;
}

/** A login was recorded. Merged as a grow-only counter of logins. */
export interface LoginRecorded {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.LoginRecorded';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** Running count of logins recorded by this origin after this one: merge counter.add `p` (n is 0). */
  readonly totalsP: number;
}

/** A preference was removed (observed-remove of the key in the last-writer-wins map). */
export interface PreferenceRemoved {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.PreferenceRemoved';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** Preference key removed. */
  readonly key: string;
}

/** A preference was set. Merged as one key of a last-writer-wins map. */
export interface PreferenceSet {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.PreferenceSet';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** Preference key, e.g. `theme`. */
  readonly key: string;
  /** New value of the preference. */
  readonly value: string;
}

/** Profile fields that hold one scalar value. */
export type ProfileField = 'displayName' | 'email' | 'locale';
export const PROFILE_FIELD_SYMBOLS = ['displayName', 'email', 'locale'] as const;

/** A scalar profile field was set. Merged as a last-writer-wins register per field. */
export interface ProfileFieldChanged {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.ProfileFieldChanged';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** Which profile field changed. */
  readonly field: ProfileField;
  /** New value of the field. */
  readonly value: string;
}

/** A session ended. */
export interface SessionEnded {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.SessionEnded';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** Id of the session. */
  readonly sessionId: string;
  /** Why it ended, e.g. `logout`, `timeout`, `revoked`. */
  readonly reason: string;
}

/** A session started on a device. */
export interface SessionStarted {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.SessionStarted';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** Id of the session. */
  readonly sessionId: string;
  /** Device description, e.g. `ios/17 app 4.2`. */
  readonly device: string;
}

/** A tag was added to the profile. Merged as an add-wins OR-set. */
export interface TagAdded {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.TagAdded';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** The tag added. */
  readonly tag: string;
}

/** A tag was removed (observed-remove; a concurrent add elsewhere wins). */
export interface TagRemoved {
  /** Discriminator: the record full name, which is also its registry subject. Not in the Avro body. */
  readonly type: 'io.meridian.profile.v1.TagRemoved';
  /** Event metadata (ids, HLC, causal dots). */
  readonly envelope: Envelope;
  /** The tag removed. */
  readonly tag: string;
}

/** Every `profile` event (topic `meridian.profile`), discriminated by `type`. */
export type ProfileEvent =
  | CreditAdjusted
  | FavouriteAdded
  | FavouriteRemoved
  | LoginRecorded
  | PreferenceRemoved
  | PreferenceSet
  | ProfileFieldChanged
  | SessionEnded
  | SessionStarted
  | TagAdded
  | TagRemoved;
