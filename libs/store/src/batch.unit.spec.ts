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
