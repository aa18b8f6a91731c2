// Public API of @meridian/domain: aggregate models — `defineAggregate`, the write steps, the event → operation mapping and the read shape derived from one declaration — and loading models by configuration.
export {
  PROFILE,
  PROFILE_FIELDS,
  profileEventToOperation,
  profileSteps,
  profileModel,
  profileReferenceModel,
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
export {
  defineAggregate,
  rules,
  ModelDefinitionError,
  StepInputError,
  type AggregateDefinition,
  type DefinedAggregate,
  type Effect,
  type ModelSchema,
  type ModelStep,
  type PartView,
  type RuleKind,
  type StateRule,
  type StepInput,
  type ValueSource,
} from './define';
export { BUILTIN_MODELS, loadModels, ModelLoadError, type ModelSet } from './load';
