/**
 * SIGTERM during a burst of writes: profile-service stops accepting, flushes what is in flight and
 * exits; every write it answered 200 for is in the topic (no 2xx for an event that was not stored).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfluentSchemaRegistry, EventSerde } from '@meridian/contract';
import {
  LOCAL_REGIONS,
  LOCAL_REGISTRIES,
  localKafka,
  readRecords,
  uniqueName,
  waitFor,
} from '@meridian/testing';

const MAIN = join(__dirname, '..', 'dist', 'apps', 'profile-service', 'src', 'main.js');
const REGISTRY = LOCAL_REGISTRIES['us-east'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('profile-service graceful shutdown', () => {
  it('answers 200 only for stored events while SIGTERM lands mid-burst, then exits', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        REGION: 'us-east',
        KAFKA_BROKERS: LOCAL_REGIONS['us-east'],
        REGISTRY_URL: REGISTRY,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Nest re-raises the signal once its shutdown hooks ran, so a clean stop ends by SIGTERM (or 0).
    const exited = new Promise<string>((r) =>
      child.once('exit', (code, signal) => r(signal ?? String(code))),
    );
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => undefined))?.ok, {
      timeoutMs: 30_000,
      description: 'profile-service to start',
    });
    const id = uniqueName('term');
    const reader = await readRecords(localKafka('us-east'), 'meridian.profile');
    try {
      let answered = 0;
      const results = await Promise.all(
        Array.from({ length: 300 }, async () => {
          try {
            const res = await fetch(`${base}/profiles/${id}/logins`, { method: 'POST' });
            const body = (await res.json()) as { events?: { eventId: string }[] };
            if (++answered === 40) child.kill('SIGTERM');
            return { status: res.status, eventIds: body.events?.map((e) => e.eventId) ?? [] };
          } catch {
            return { status: 0, eventIds: [] as string[] }; // refused once the server closed: not stored, not claimed
          }
        }),
      );
      expect(['0', 'SIGTERM']).toContain(await exited);
      const ok = results.filter((r) => r.status === 200);
      const claimed = new Set(ok.flatMap((r) => r.eventIds));
      console.log(
        `[shutdown] 200: ${ok.length}, 503: ${results.filter((r) => r.status === 503).length}, refused: ${results.filter((r) => r.status === 0).length}`,
      );
      expect(ok.length).toBeGreaterThanOrEqual(40);
      expect(results.every((r) => [0, 200, 503].includes(r.status))).toBe(true);
      // Every acknowledged write is in the topic.
      const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: REGISTRY }) });
      await waitFor(
        async () => {
          const mine = await Promise.all(
            reader.records
              .filter((r) => r.key === id)
              .map((r) => serde.decode(r.rawValue, r.rawHeaders, { topic: 'meridian.profile' })),
          );
          const stored = new Set(mine.map((e) => e.envelope.eventId));
          return [...claimed].every((e) => stored.has(e));
        },
        { timeoutMs: 30_000, description: 'every acknowledged event in the topic' },
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await reader.stop();
    }
  });
});
