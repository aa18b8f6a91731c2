/**
 * How a document's state becomes bytes and back. The store keeps the canonical encoding of
 * `@meridian/merge` as text, so the stored bytes are exactly what the digest was taken over: a read
 * can verify them, and two databases holding the same state hold the same bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { canonicalEncode, MergeError } from '@meridian/merge';
import { InvalidBatchError, StoreCorruptError } from './errors';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Canonical encoding of `state`; refuses what the merge library refuses (NaN, Map, class instances...). */
export function encodeState(state: unknown, where: string): string {
  try {
    return canonicalEncode(state);
  } catch (e) {
    if (e instanceof MergeError)
      throw new InvalidBatchError(`${where}: state cannot be stored: ${e.message}`, e);
    throw e;
  }
}

/** Canonical bigints are `12n`; outside a string literal, that is the only thing JSON.parse rejects. */
const STRING_OR_BIGINT = /"(?:[^"\\]|\\.)*"|-?\d+n/g;

/**
 * Inverse of `encodeState`. Plain JSON.parse when there is no bigint (the common case); otherwise
 * each bigint token becomes a string tagged with a nonce absent from the text, so no real string can
 * be mistaken for it, and a reviver turns it back into a bigint.
 */
export function decodeState(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (first) {
    let nonce: string;
    do nonce = `\u0000bigint:${randomBytes(8).toString('hex')}:`;
    while (text.includes(nonce));
    const tagged = JSON.stringify(nonce).slice(0, -1);
    const rewritten = text.replace(STRING_OR_BIGINT, (tok) =>
      tok.endsWith('n') && !tok.startsWith('"') ? `${tagged}${tok.slice(0, -1)}"` : tok,
    );
    if (rewritten === text) throw new StoreCorruptError(`${where}: stored state is not valid JSON`, first);
    try {
      return JSON.parse(rewritten, (_k, v: unknown) =>
        typeof v === 'string' && v.startsWith(nonce) ? BigInt(v.slice(nonce.length)) : v,
      ) as unknown;
    } catch (e) {
      throw new StoreCorruptError(`${where}: stored state is not valid canonical JSON`, e);
    }
  }
}

/** Decodes stored state after checking its bytes against the stored digest. */
export function readStoredState(text: string, digest: string, where: string): unknown {
  if (sha256Hex(text) !== digest)
    throw new StoreCorruptError(`${where}: stored state does not match its digest ${digest}`);
  return decodeState(text, where);
}
