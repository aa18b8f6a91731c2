import { startTracingFromEnv, type Tracing } from '@meridian/tracing';

/**
 * Tracing from the environment (TRACING_ZIPKIN_URL, TRACING_SAMPLE_RATIO), or undefined when off;
 * an invalid setting stops the process naming the variable.
 */
export const tracing: Tracing | undefined = (() => {
  try {
    return startTracingFromEnv('profile-service');
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
})();
