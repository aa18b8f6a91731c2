/**
 * One rule for aggregate keys, wherever one arrives: the write and read HTTP APIs, the publisher,
 * the projector (which dead-letters a key the store would refuse) and the store itself. Wide on
 * purpose — teams bring their own ids (emails, paths, names in any script) — and narrow where it
 * must be: tabs and newlines would make the state-digest lines ambiguous, PostgreSQL cannot store
 * NUL, and UTF-8 cannot carry an unpaired surrogate.
 */
export const MAX_AGGREGATE_ID_LENGTH = 512;
export const AGGREGATE_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// With the `u` flag this matches only unpaired surrogates.
const LONE_SURROGATE = /\p{Cs}/u;

/** Why `id` is not an aggregate id, naming the field; undefined if it is one. */
export function aggregateIdProblem(id: unknown, field = 'aggregateId'): string | undefined {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_AGGREGATE_ID_LENGTH)
    return `${field} must be a string of 1..${MAX_AGGREGATE_ID_LENGTH} characters`;
  if (CONTROL.test(id) || LONE_SURROGATE.test(id))
    return `${field} ${JSON.stringify(id)} contains a control character or an unpaired surrogate`;
  return undefined;
}

/** Why `t` is not an aggregate type, naming the field; undefined if it is one. */
export function aggregateTypeProblem(t: unknown, field = 'aggregateType'): string | undefined {
  if (typeof t !== 'string' || !AGGREGATE_TYPE_PATTERN.test(t))
    return `${field} must match ${String(AGGREGATE_TYPE_PATTERN)}, got ${JSON.stringify(t)}`;
  return undefined;
}
