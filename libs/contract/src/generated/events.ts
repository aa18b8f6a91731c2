// generated — do not edit. Source: schemas/**/*.avsc; regenerate with `npm run gen:types`.

import type {
  CreditAdjusted,
  FavouriteAdded,
  FavouriteRemoved,
  LoginRecorded,
  PreferenceRemoved,
  PreferenceSet,
  ProfileEvent,
  ProfileFieldChanged,
  SessionEnded,
  SessionStarted,
  TagAdded,
  TagRemoved,
} from './profile-v1';

/** Every Meridian event, discriminated by `type` (the record full name). */
export type MeridianEvent = ProfileEvent;

/** Record full name (= registry subject) -> event type. */
export interface EventTypes {
  'io.meridian.profile.v1.CreditAdjusted': CreditAdjusted;
  'io.meridian.profile.v1.FavouriteAdded': FavouriteAdded;
  'io.meridian.profile.v1.FavouriteRemoved': FavouriteRemoved;
  'io.meridian.profile.v1.LoginRecorded': LoginRecorded;
  'io.meridian.profile.v1.PreferenceRemoved': PreferenceRemoved;
  'io.meridian.profile.v1.PreferenceSet': PreferenceSet;
  'io.meridian.profile.v1.ProfileFieldChanged': ProfileFieldChanged;
  'io.meridian.profile.v1.SessionEnded': SessionEnded;
  'io.meridian.profile.v1.SessionStarted': SessionStarted;
  'io.meridian.profile.v1.TagAdded': TagAdded;
  'io.meridian.profile.v1.TagRemoved': TagRemoved;
}

export type EventName = keyof EventTypes;

export const EVENT_NAMES: readonly EventName[] = [
  'io.meridian.profile.v1.CreditAdjusted',
  'io.meridian.profile.v1.FavouriteAdded',
  'io.meridian.profile.v1.FavouriteRemoved',
  'io.meridian.profile.v1.LoginRecorded',
  'io.meridian.profile.v1.PreferenceRemoved',
  'io.meridian.profile.v1.PreferenceSet',
  'io.meridian.profile.v1.ProfileFieldChanged',
  'io.meridian.profile.v1.SessionEnded',
  'io.meridian.profile.v1.SessionStarted',
  'io.meridian.profile.v1.TagAdded',
  'io.meridian.profile.v1.TagRemoved',
];

/** Aggregate types; events of one share the topic `meridian.<aggregateType>`. */
export const AGGREGATE_TYPES = ['profile'] as const;
