import { readFileSync } from 'node:fs';
import { LocalError } from './errors';

/** Marks a fetched directory as complete: a fetch cut short is redone, never used half-done. */
export const COMPLETE_MARKER = '.complete';

/** A pinned version from a pom's `<properties>` (one place to change it), e.g. `kafka.version`. */
export function pomProperty(pom: string, name: string): string {
  const m = new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</${name.replace(/\./g, '\\.')}>`).exec(
    readFileSync(pom, 'utf8'),
  );
  if (!m?.[1]) throw new LocalError('FETCH_FAILED', `no <${name}> in ${pom}`);
  return m[1];
}
