/** Root of every error thrown by @meridian/topology. */
import { MeridianError } from '@meridian/errors';

export class TopologyError extends MeridianError<
  'TOPOLOGY_NOT_FOUND' | 'TOPOLOGY_INVALID' | 'TOPOLOGY_UNKNOWN_REGION'
> {}
