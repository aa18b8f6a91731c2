import { MeridianError } from '@meridian/errors';

/** Root of every error thrown by @meridian/local. */
export type LocalErrorCode =
  | 'FETCH_FAILED'
  | 'JAVA_MISSING'
  | 'ETCD_MISSING'
  | 'PROMETHEUS_MISSING'
  | 'PORT_IN_USE'
  | 'START_TIMEOUT'
  | 'PROCESS_EXITED'
  | 'TOPOLOGY_MISMATCH'
  | 'NOT_UP';

export class LocalError extends MeridianError<LocalErrorCode> {}
