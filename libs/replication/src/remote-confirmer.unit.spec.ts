import { OffsetSyncConfirmer } from './remote-confirmer';

// The confirmation rule, fed as the readers would feed it (no broker: `observe` is their output).
function confirmer() {
  return new OffsetSyncConfirmer({
    region: 'us-east',
    targets: [
      { region: 'eu', brokers: ['127.0.0.1:1'] },
      { region: 'us-west', brokers: ['127.0.0.1:1'] },
    ],
  });
}

describe('OffsetSyncConfirmer', () => {
  // Readers are never started here (`start()`): the rule alone, fed by `observe`.
  it('confirms at once what a target already holds, naming the target', async () => {
    const c = confirmer();
    c.observe('us-west', 'meridian.profile', 2, 40n);
    await expect(c.confirm('meridian.profile', 2, 40n, 1000)).resolves.toEqual({ region: 'us-west' });
    await expect(c.confirm('meridian.profile', 2, 12n, 1000)).resolves.toEqual({ region: 'us-west' });
    await c.close();
  });

  it('waits for a sync at or past the offset on the same topic and partition; an earlier one is not enough', async () => {
    const c = confirmer();
    let got: unknown = 'pending';
    const p = c.confirm('meridian.profile', 1, 100n, 5000).then((r) => (got = r));
    c.observe('eu', 'meridian.profile', 1, 99n);
    c.observe('eu', 'meridian.profile', 0, 500n);
    c.observe('eu', 'meridian.other', 1, 500n);
    await new Promise((r) => setImmediate(r));
    expect(got).toBe('pending');
    c.observe('eu', 'meridian.profile', 1, 130n);
    await p;
    expect(got).toEqual({ region: 'eu' });
    await c.close();
  });

  it('resolves waiters in offset order as syncs advance, whichever order they asked in', async () => {
    const c = confirmer();
    const order: bigint[] = [];
    const ps = [30n, 10n, 20n].map((o) => c.confirm('t', 0, o, 5000).then(() => order.push(o)));
    c.observe('eu', 't', 0, 15n);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([10n]);
    c.observe('us-west', 't', 0, 35n);
    await Promise.all(ps);
    expect(order).toEqual([10n, 20n, 30n]);
    await c.close();
  });

  it('answers undefined at the deadline (the write may still get there), and on close', async () => {
    const c = confirmer();
    await expect(c.confirm('t', 0, 5n, 30)).resolves.toBeUndefined();
    const pending = c.confirm('t', 0, 6n, 60_000);
    await c.close();
    await expect(pending).resolves.toBeUndefined();
    expect(c.unavailable()).toBe('shutting down');
  });

  it('is unavailable where no region mirrors this one', () => {
    const c = new OffsetSyncConfirmer({ region: 'us-east', targets: [] });
    expect(c.unavailable()).toBe('no region mirrors us-east in this topology');
  });
});
