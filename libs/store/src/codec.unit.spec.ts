import { canonicalEncode } from '@meridian/merge';
import { decodeState, encodeState } from './index';

describe('state codec', () => {
  it.each([
    ['plain JSON', { a: [1, 'x', null, true, { b: 1.5 }] }],
    ['bigints at every depth', { a: 1n, b: [-2n, { c: 10n ** 30n }], d: 0n }],
    ['strings that look like bigints', { a: '12n', b: '"12n"', c: '\\"5n', d: 12n, e: 'x\u0000bigint:1' }],
    ['keys that look like bigints', { '12n': 1n, '-3n': '4n' }],
    ['a bare bigint', 7n],
  ])('round-trips %s byte for byte', (_name, state) => {
    const text = encodeState(state, 'test');
    expect(text).toBe(canonicalEncode(state));
    const back = decodeState(text, 'test');
    expect(back).toEqual(state);
    expect(canonicalEncode(back)).toBe(text);
  });

  it('refuses what the canonical encoding refuses, naming where', () => {
    expect(() => encodeState({ a: new Map() }, 'documents[3]')).toThrow(
      expect.objectContaining({ code: 'INVALID_BATCH', message: expect.stringContaining('documents[3]') }),
    );
  });

  it('reports text that is not canonical JSON as STORE_CORRUPT', () => {
    expect(() => decodeState('{"a":', 'x')).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    expect(() => decodeState('{"a":1n,', 'x')).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
  });
});
