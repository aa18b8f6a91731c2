/**
 * `replay --in-place` and the live projector: the store's writer lock keeps them apart, not a
 * one-time probe of the projector's /health. No broker is needed: the replay must stop before it
 * reaches Kafka (the addresses below refuse connections).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteProjectionStore } from '@meridian/store';
import { replay } from './index';

const dir = mkdtempSync(join(tmpdir(), 'meridian-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOWHERE = '127.0.0.1:9';

describe('replay --in-place', () => {
  it('is refused while the live projector holds the store, even if its /health does not answer', async () => {
    // Given a live projector holding its store, whose health endpoint does not answer (a slow
    // start, a pause, a wrong URL: the old one-time probe took any of these for "down")
    const file = join(dir, 'live.db');
    const live = new SqliteProjectionStore({ kind: 'sqlite', file });
    await live.init();
    await live.commit({
      documents: [{ aggregateType: 'profile', aggregateId: 'p1', state: { v: 1 }, updatedAtMs: 1 }],
      positions: [
        {
          topic: 'us-east.meridian.profile',
          partition: 0,
          nextOffset: '42',
          sourceRegion: 'us-east',
          appliedAtMs: 1,
        },
      ],
    });
    try {
      // When an in-place rebuild of that store starts
      const err = await replay({
        region: 'us-east',
        brokers: [NOWHERE],
        registryUrl: `http://${NOWHERE}`,
        store: { kind: 'sqlite', file },
        inPlace: { liveProjectorUrl: `http://${NOWHERE}` },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      // Then it is refused by the store's writer lock, naming the projector and the lock's holder
      expect(err).toMatchObject({
        name: 'ReplayError',
        code: 'LIVE_PROJECTOR_RUNNING',
        message: expect.stringContaining(`the live projector (http://${NOWHERE}) holds the store`),
        cause: { code: 'STORE_LOCKED', holder: { pid: process.pid } },
      });
      // And the live projector's state was not truncated, and it keeps writing
      expect((await live.positions()).map((p) => p.nextOffset)).toEqual(['42']);
      expect((await live.getDocument('profile', 'p1'))?.state).toEqual({ v: 1 });
      await live.commit({ documents: [], positions: [] });
    } finally {
      await live.close();
    }
  }, 60_000);
});
