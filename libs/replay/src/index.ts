export { ReplayError, type ReplayErrorCode } from './errors';
export {
  replay,
  type ReplayOptions,
  type ReplayProgress,
  type ReplayStart,
  type ReplaySummary,
} from './replay';
export { verifyAgainst, type Difference, type VerifyResult } from './verify';
export { AvroContainerExport, NdjsonExport } from './exports';
