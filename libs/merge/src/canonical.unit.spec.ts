import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalEncode, compareValues, digest, MergeError, NonCanonicalValueError } from './index';
import { configureFastCheck, valueArb } from './fc-support.spec-helper';

configureFastCheck(__filename);

describe('canonical encoding', () => {
  it('sorts keys by UTF-16 code units and ignores insertion order', () => {
    expect(canonicalEncode({ b: 1, a: [true, null], B: 'x' })).toBe('{"B":"x","a":[true,null],"b":1}');
    expect(canonicalEncode({ a: 1, b: 2 })).toBe(canonicalEncode({ b: 2, a: 1 }));
  });

  it('normalises -0, keeps bigint distinct from number, omits undefined properties', () => {
    expect(canonicalEncode(-0)).toBe('0');
    expect(canonicalEncode(12n)).toBe('12n');
    expect(canonicalEncode(12)).toBe('12');
    expect(canonicalEncode({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalEncode(1e21)).toBe('1e+21');
  });

  it.each([NaN, Infinity, -Infinity, new Map(), new Date(0), [undefined], () => 1, Symbol('s')])(
    'rejects %p with a typed error',
    (bad) => {
      expect(() => canonicalEncode(bad)).toThrow(NonCanonicalValueError);
      expect(() => canonicalEncode({ nested: [bad] })).toThrow(MergeError);
    },
  );

  it('digest is the SHA-256 hex of the canonical encoding', () => {
    const expected = createHash('sha256').update('{"a":[true,null],"b":1}').digest('hex');
    expect(digest({ b: 1, a: [true, null] })).toBe(expected);
  });

  it('a JSON round trip does not change the encoding of JSON values', () => {
    const json = fc.jsonValue({ noUnicodeString: false });
    fc.assert(
      fc.property(
        json,
        (v) => canonicalEncode(JSON.parse(JSON.stringify(v)) as unknown) === canonicalEncode(v),
      ),
    );
  });

  it('compareValues is a total order consistent with encoding equality', () => {
    fc.assert(
      fc.property(valueArb, valueArb, (a, b) => {
        const c = compareValues(a, b);
        return c === -compareValues(b, a) && (c === 0) === (canonicalEncode(a) === canonicalEncode(b));
      }),
    );
  });
});
