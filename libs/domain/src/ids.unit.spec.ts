import { aggregateIdProblem, aggregateTypeProblem } from './ids';

describe('the aggregate key rule', () => {
  it.each(['a', 'order/123', 'ana@example.com', 'é', '\u{1F600}', 'a b', 'x'.repeat(512)])(
    'accepts the id %j',
    (id) => expect(aggregateIdProblem(id)).toBeUndefined(),
  );

  it.each([
    ['', '1..512'],
    ['x'.repeat(513), '1..512'],
    ['a\tb', 'control character'],
    ['a\u0000', 'control character'],
    ['x\udc00', 'unpaired surrogate'],
    [42, '1..512'],
  ])('refuses the id %j, naming the field and why', (id, why) => {
    expect(aggregateIdProblem(id, 'id')).toMatch(new RegExp(`^id .*${why}`));
  });

  it('takes types that start with a letter, up to 64 characters', () => {
    expect(aggregateTypeProblem('profile')).toBeUndefined();
    expect(aggregateTypeProblem('order.v2_x-y')).toBeUndefined();
    expect(aggregateTypeProblem('9lives')).toMatch(/^aggregateType must match/);
    expect(aggregateTypeProblem('a'.repeat(65))).toMatch(/^aggregateType must match/);
  });
});
