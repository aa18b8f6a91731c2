import { decideSkew, type SkewInput } from './skew';

const BOUND = 60_000;
const T = 1_800_000_000_000;

/** A record appended at T (its record timestamp) whose event is stamped at T. */
function given(over: Partial<SkewInput> = {}): SkewInput {
  return { hlcWallMs: T, recordTimestamp: String(T), maxForwardSkewMs: BOUND, ...over };
}

describe('decideSkew (forward-skew rule of a record)', () => {
  it('accepts an HLC up to the bound ahead of the record timestamp, inclusive', () => {
    expect(decideSkew(given())).toEqual({ accepted: true, aheadMs: 0 });
    expect(decideSkew(given({ hlcWallMs: T + BOUND }))).toEqual({ accepted: true, aheadMs: BOUND });
  });

  it('accepts an HLC behind the record timestamp (stamped before it was sent), however far', () => {
    expect(decideSkew(given({ hlcWallMs: T - 3_600_000 }))).toEqual({ accepted: true, aheadMs: -3_600_000 });
  });

  it('refuses an HLC beyond the bound as CLOCK_SKEW, naming the HLC, the timestamp and the bound', () => {
    const d = decideSkew(given({ hlcWallMs: T + BOUND + 1 }));
    expect(d).toMatchObject({ accepted: false, code: 'CLOCK_SKEW', aheadMs: BOUND + 1 });
    expect(!d.accepted && d.reason).toBe(
      `HLC wallMs ${T + BOUND + 1} is ${BOUND + 1} ms ahead of the record timestamp ${T}; ` +
        `max forward skew is ${BOUND} ms (the writer's clock was ahead)`,
    );
  });

  it('refuses a record without a usable timestamp rather than judge it by a local clock', () => {
    for (const ts of ['-1', '0', '', 'abc', '1.5', '99999999999999999999']) {
      expect(decideSkew(given({ recordTimestamp: ts }))).toMatchObject({
        accepted: false,
        code: 'CLOCK_SKEW',
        aheadMs: undefined,
      });
    }
  });

  it('depends on nothing but the record and the bound (same input, same decision, any time)', () => {
    const input = given({ hlcWallMs: T + 90_000 });
    const first = decideSkew(input);
    const spy = jest.spyOn(Date, 'now').mockReturnValue(T + 86_400_000);
    try {
      expect(decideSkew(input)).toEqual(first);
    } finally {
      spy.mockRestore();
    }
  });

  it('a bound of 0 accepts only an HLC at or behind the record timestamp', () => {
    expect(decideSkew(given({ maxForwardSkewMs: 0 })).accepted).toBe(true);
    expect(decideSkew(given({ maxForwardSkewMs: 0, hlcWallMs: T + 1 })).accepted).toBe(false);
  });
});
