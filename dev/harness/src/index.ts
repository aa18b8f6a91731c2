// Public API of @meridian/harness: the convergence harness for a team's own aggregate models
// (a test dependency, never loaded by a deployed process).
export {
  checkConvergence,
  ConvergenceViolation,
  type AcceptedWrite,
  type ConvergenceOptions,
  type ConvergenceReport,
  type Fold,
  type HarnessModel,
  type HarnessWrite,
  type Invariant,
} from './convergence';
