import { Failpoints } from '@meridian/failpoints';
import type { BatchCommit, ProjectionStore } from '@meridian/store';
import { FailpointStore, PROJECTOR_FAILPOINTS } from './failpoint-store';

describe('FailpointStore', () => {
  const batch: BatchCommit = { documents: [], positions: [] };

  function setup() {
    const steps: string[] = [];
    const inner = {
      commit: jest.fn(async () => {
        steps.push('commit');
      }),
    } as unknown as ProjectionStore;
    const fp = new Failpoints(PROJECTOR_FAILPOINTS, (name) => steps.push(`crash ${name}`));
    return { steps, fp, store: new FailpointStore(inner, fp) };
  }

  it('crashes before the commit reaches the store', async () => {
    const { steps, fp, store } = setup();
    fp.arm('store.commit.before', { action: 'crash', onHit: 2 });
    await store.commit(batch);
    await expect(store.commit(batch)).rejects.toThrow(/crashed/);
    expect(steps).toEqual(['commit', 'crash store.commit.before']);
  });

  it('crashes after the store has committed', async () => {
    const { steps, fp, store } = setup();
    fp.arm('store.commit.after', { action: 'crash' });
    await expect(store.commit(batch)).rejects.toThrow(/crashed/);
    expect(steps).toEqual(['commit', 'crash store.commit.after']);
  });

  it('is a plain pass-through when nothing is armed', async () => {
    const { steps, store } = setup();
    await store.commit(batch);
    await store.commit(batch);
    expect(steps).toEqual(['commit', 'commit']);
  });
});
