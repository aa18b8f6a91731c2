import { MeridianError } from '@meridian/errors';

/** A command line that cannot be run as given (a flag, a missing topology): the fix is in the message. */
export class UsageError extends MeridianError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** `meridian sla` found no probes counted (Prometheus itself failing is @meridian/sla's PrometheusQueryError). */
export class SlaError extends MeridianError<'NO_PROBES'> {}
