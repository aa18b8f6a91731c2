import { TokenBucket } from './limits';

describe('TokenBucket', () => {
  it('allows a burst, then says how long until the next token, and refills at the rate', () => {
    let now = 0;
    const b = new TokenBucket(10, 3, () => now);
    expect([b.take(), b.take(), b.take()]).toEqual([0, 0, 0]);
    expect(b.take()).toBe(100);
    now += 50;
    expect(b.take()).toBe(50);
    now += 50;
    expect(b.take()).toBe(0);
    now += 10_000;
    expect(b.available).toBe(3);
  });
});
