export { QuorumError, DesignationConflictError, type QuorumErrorCode } from './errors';
export {
  KEYS,
  type Designation,
  type MemberRecord,
  type VersionedDesignation,
  type VersionedMember,
} from './model';
export { Quorum, quorumNamespace, type QuorumOptions, type RawCompare, type TxnOp } from './quorum';
export {
  casDesignation,
  initDesignation,
  readDesignation,
  requireDesignation,
  watchDesignation,
  type DesignationWatch,
} from './designation';
export { admit, type AdmissionState, type RefusalReason, type WriteAdmission } from './admission';
export { WriterLease, type WriterLeaseOptions, type WriterLeaseStatus } from './writer-lease';
export {
  failover,
  type DrainResult,
  type FailoverOptions,
  type FailoverReport,
  type FailoverStepEvent,
  type FailoverStepName,
} from './failover';
export { FailoverController, type FailoverControllerOptions, type PromotionEvent } from './controller';
