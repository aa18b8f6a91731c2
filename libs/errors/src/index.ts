// Public API of @meridian/errors: the one error shape and the one retry loop.
export { MeridianError, isRetriable } from './errors';
export { retry, type RetryOptions } from './retry';
