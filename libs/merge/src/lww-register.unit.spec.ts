import fc from 'fast-check';
import { compareLww, lwwCreate, lwwMerge, lwwSet, type LwwRegister } from './index';
import { configureFastCheck, describeMergeLaws, hlcArb, valueArb } from './fc-support.spec-helper';

configureFastCheck(__filename);

const regArb: fc.Arbitrary<LwwRegister> = fc.record({ hlc: hlcArb, value: valueArb });

describe('LWW register', () => {
  it('highest HLC wins regardless of arrival order', () => {
    const older = lwwCreate('draft', { wallMs: 100, logical: 5, nodeId: 'us-east' });
    const newer = lwwCreate('final', { wallMs: 101, logical: 0, nodeId: 'ap-south' });
    expect(lwwMerge(older, newer).value).toBe('final');
    expect(lwwMerge(newer, older).value).toBe('final');
  });

  it('breaks an exact (wallMs, logical) tie by nodeId, compared by UTF-16 code units', () => {
    const eu = lwwCreate('from eu', { wallMs: 100, logical: 0, nodeId: 'eu-west' });
    const us = lwwCreate('from us', { wallMs: 100, logical: 0, nodeId: 'us-east' });
    // 'us-east' > 'eu-west' because 'u' (0x75) > 'e' (0x65).
    expect(lwwMerge(eu, us).value).toBe('from us');
    expect(lwwMerge(us, eu).value).toBe('from us');
  });

  it('breaks a full HLC tie by the canonical encoding of the value', () => {
    const hlc = { wallMs: 1, logical: 0, nodeId: 'eu' };
    // '"b"' > '"a"': the larger encoding wins, so every region picks "b".
    expect(lwwMerge(lwwCreate('a', hlc), lwwCreate('b', hlc)).value).toBe('b');
    expect(lwwMerge(lwwCreate('b', hlc), lwwCreate('a', hlc)).value).toBe('b');
  });

  it('lwwSet ignores a write that does not win', () => {
    const cur = lwwCreate(1, { wallMs: 10, logical: 0, nodeId: 'eu' });
    expect(lwwSet(cur, 2, { wallMs: 9, logical: 9, nodeId: 'us' })).toBe(cur);
  });

  it('merge picks the maximum under a total order', () => {
    fc.assert(
      fc.property(regArb, regArb, (a, b) => {
        const m = lwwMerge(a, b);
        return compareLww(m, a) >= 0 && compareLww(m, b) >= 0 && (m === a || m === b);
      }),
    );
  });

  describeMergeLaws(fc.array(regArb, { minLength: 1, maxLength: 10 }), lwwMerge);
});
