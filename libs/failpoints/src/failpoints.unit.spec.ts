import { FailpointError, Failpoints } from './failpoints';

describe('Failpoints', () => {
  it('does nothing where nothing is armed', async () => {
    const crashed: string[] = [];
    const fp = new Failpoints(['a'], (n) => crashed.push(n));
    await fp.hit('a');
    await fp.hit('not-even-known');
    expect(crashed).toEqual([]);
  });

  it('crashes on the n-th hit, once', async () => {
    const crashed: string[] = [];
    const fp = new Failpoints(['a'], (n) => crashed.push(n));
    fp.arm('a', { action: 'crash', onHit: 3 });
    await fp.hit('a');
    await fp.hit('a');
    expect(crashed).toEqual([]);
    await expect(fp.hit('a')).rejects.toMatchObject({ code: 'FAILPOINT_FIRED' });
    expect(crashed).toEqual(['a']);
    await fp.hit('a');
    expect(crashed).toEqual(['a']);
    expect(fp.list()).toEqual([]);
  });

  it('throws a retriable error, repeatedly when asked', async () => {
    const fp = new Failpoints(['a']);
    fp.armFrom('a=throw*');
    for (let i = 0; i < 3; i++) await expect(fp.hit('a')).rejects.toMatchObject({ retriable: true });
    fp.disarm('a');
    await expect(fp.hit('a')).resolves.toBeUndefined();
  });

  it('delays', async () => {
    const fp = new Failpoints(['a']);
    fp.armFrom('a=delay:30');
    const t0 = Date.now();
    await fp.hit('a');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it('refuses unknown names and malformed specs, naming what is wrong', () => {
    const fp = new Failpoints(['store.commit.after']);
    expect(() => fp.arm('store.comit.after', { action: 'crash' })).toThrow(
      /unknown failpoint "store.comit.after".*store.commit.after/,
    );
    expect(() => fp.arm('store.commit.after', { action: 'crash', onHit: 0 })).toThrow(/onHit/);
    expect(() => fp.arm('store.commit.after', { action: 'delay' })).toThrow(/delayMs/);
    expect(() => fp.arm('store.commit.after', { action: 'explode' as never })).toThrow(/action/);
    expect(() => fp.armFrom('store.commit.after=crash@x')).toThrow(FailpointError);
  });

  it('reads a list from the environment', () => {
    const fp = new Failpoints(['a', 'b']);
    fp.armFrom('a=crash@2, b=delay:100@1*');
    expect(fp.list()).toEqual([
      { name: 'a', spec: { action: 'crash', onHit: 2, repeat: false, delayMs: 0 }, hits: 0 },
      { name: 'b', spec: { action: 'delay', onHit: 1, repeat: true, delayMs: 100 }, hits: 0 },
    ]);
  });
});
