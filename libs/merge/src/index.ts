// Public API of @meridian/merge: deterministic, pure merge rules. No I/O.
export {
  MergeError,
  HlcSkewError,
  HlcLogicalOverflowError,
  InvalidHlcError,
  InvalidOperationError,
  InvalidStateError,
  NonCanonicalValueError,
  CounterOverflowError,
  DedupWindowExceededError,
  type MergeErrorCode,
} from './errors';
export { canonicalEncode, digest, compareStrings, compareValues, valuesEqual, type Value } from './canonical';
export {
  HybridLogicalClock,
  compareHlc,
  hlcFromFields,
  hlcToFields,
  hlcToString,
  hlcFromString,
  isValidNodeId,
  MAX_LOGICAL,
  type Hlc,
  type HlcClockOptions,
} from './hlc';
export {
  vvCompare,
  vvDominates,
  vvIncludes,
  vvMerge,
  vvIncrement,
  vvFrom,
  type VersionVector,
  type Causality,
} from './version-vector';
export {
  ctxAdd,
  ctxHas,
  ctxMerge,
  ctxHighWater,
  ctxPending,
  dotKey,
  type DotContext,
  type DotKey,
  type OriginRange,
} from './dot-context';
export { lwwCreate, lwwSet, lwwMerge, compareLww, type LwwRegister } from './lww-register';
export { mvEmpty, mvAssign, mvMerge, mvValues, type MvRegister } from './mv-register';
export {
  gcEmpty,
  gcIncrement,
  gcMerge,
  gcValue,
  pnEmpty,
  pnIncrement,
  pnDecrement,
  pnMerge,
  pnValue,
  type GCounter,
  type PnCounter,
} from './counters';
export {
  orSetEmpty,
  orSetAdd,
  orSetRemove,
  orSetHas,
  orSetValues,
  orSetMerge,
  type OrSet,
  type SetElement,
} from './or-set';
export {
  lwwMapEmpty,
  lwwMapSet,
  lwwMapDelete,
  lwwMapGet,
  lwwMapEntries,
  lwwMapMerge,
  compareLwwMapEntries,
  type LwwMap,
  type LwwMapEntry,
} from './lww-map';
export { applyOp, applyOps, DocumentDraft } from './apply';
export {
  countLwwConflicts,
  lwwConflicts,
  type LwwConflict,
  type LwwConflictReason,
  type LwwWrite,
} from './conflicts';
export {
  documentEmpty,
  isKeyedOrigin,
  mergeDocuments,
  mergeOrMaps,
  readField,
  readDocument,
  documentVersion,
  hasApplied,
  prepareLwwSet,
  prepareMvSet,
  prepareCounterAdd,
  prepareSetAdd,
  prepareSetRemove,
  prepareMapSet,
  prepareMapDelete,
  prepareFieldRemove,
  type Document,
  type OrMap,
  type FieldSlot,
  type FieldView,
  type LwwEntry,
  type CounterEntry,
  type Operation,
  type OpEnvelope,
  type Mutation,
  type ApplyOptions,
} from './document';
