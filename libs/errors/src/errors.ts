/**
 * The one error shape of Meridian: a stable `code` to branch on, `retriable` (can the same call
 * succeed later?) and the `cause` it came from. Every lib's error root extends it, so a consumer
 * boundary decides with one test: retriable → retry, otherwise → dead-letter or refuse.
 */
export class MeridianError<C extends string = string> extends Error {
  readonly code: C;
  readonly retriable: boolean;

  constructor(code: C, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** Whether an error says that retrying can succeed (any error with `retriable: true`). */
export function isRetriable(e: unknown): boolean {
  return (e as { retriable?: unknown } | null)?.retriable === true;
}
