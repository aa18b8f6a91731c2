import { MeridianError } from '@meridian/errors';

/** A command line that cannot be run as given (a flag, a missing topology): the fix is in the message. */
export class UsageError extends MeridianError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** `meridian sla` could not get its figures from Prometheus (down, no probes counted). */
export class SlaError extends MeridianError<'PROMETHEUS_UNREACHABLE' | 'PROMETHEUS_QUERY' | 'NO_PROBES'> {}
