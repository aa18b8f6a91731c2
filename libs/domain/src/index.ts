export {
  PROFILE,
  PROFILE_FIELDS,
  profileEventToOperation,
  profileSteps,
  profileModel,
  type ProfilePayload,
  type ProfileStep,
} from './profile';
export {
  AGGREGATE_TYPE_PATTERN,
  MAX_AGGREGATE_ID_LENGTH,
  aggregateIdProblem,
  aggregateTypeProblem,
} from './ids';
export type { AggregateModel, WriteStep } from './model';
