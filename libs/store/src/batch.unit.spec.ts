import { prepareBatch } from './batch';
import { encodeState, sha256Hex } from './codec';
import { aggregateKeyProblem } from './index';

describe('aggregateKeyProblem', () => {
  it('accepts what the store accepts', () => {
    expect(aggregateKeyProblem('profile', 'user-42')).toBeUndefined();
    expect(aggregateKeyProblem('order.v2', 'Zoë \u{1F600}/x')).toBeUndefined();
  });

  it.each([
    ['profile', 'a\tb', 'control character'],
    ['profile', 'x\udc00', 'unpaired surrogate'],
    ['profile', '', '1..512'],
    ['profile', 'x'.repeat(513), '1..512'],
    ['pro/file', 'a', 'aggregateType'],
    ['', 'a', 'aggregateType'],
  ])('refuses %j/%j, saying why', (type, id, why) => {
    expect(aggregateKeyProblem(type, id)).toContain(why);
  });
});

describe('prepareBatch digests', () => {
  const doc = { aggregateType: 'profile', aggregateId: 'a', state: { b: 1, a: [1, 2] }, updatedAtMs: 1 };

  it('derives the digest from the canonical encoding when the caller gives none', () => {
    const [d] = prepareBatch({ documents: [doc], positions: [] }).documents;
    expect(d!.digest).toBe(sha256Hex(encodeState(doc.state, 'x')));
  });

  it('checks a digest the caller gives', () => {
    expect(() => prepareBatch({ documents: [{ ...doc, digest: '0'.repeat(64) }], positions: [] })).toThrow(
      /is not the SHA-256/,
    );
  });
});
