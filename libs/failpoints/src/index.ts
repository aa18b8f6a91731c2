// Public API of @meridian/failpoints: named crash/fail/stall points for chaos and crash tests.
export {
  Failpoints,
  FailpointError,
  type FailpointAction,
  type FailpointSpec,
  type FailpointStatus,
  type FailpointErrorCode,
} from './failpoints';
export { FailpointsController } from './nest';
