import { tracingFromEnvOrExit } from '@meridian/tracing';

/** Tracing from the environment (TRACING_ZIPKIN_URL, TRACING_SAMPLE_RATIO), or undefined when off. */
export const tracing = tracingFromEnvOrExit('profile-service');
