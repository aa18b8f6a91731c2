/**
 * Exactly-once under crashes: a stream of 3,000 acknowledged `adjustCredit(+1)` events for one
 * profile is published while a seeded schedule SIGKILLs the test's own projector process (its own
 * store and group) at random moments and restarts it on the same store. Once it has caught up with
 * every source partition, the profile's credit must be exactly 3,000 and its version vector must
 * count 3,000 events (none lost, none applied twice), with nothing of it dead-lettered.
 * Replay a schedule with MERIDIAN_SEED=<seed printed by the test>.
 */
import { PROFILE, profileSteps } from '@meridian/domain';
import { EventPublisher, PublisherError } from '@meridian/publisher';
import { LOCAL_REGIONS, localKafka, uniqueName } from '@meridian/testing';
import { readTopicToEnd } from './support/kafka';
import { ProjectorProcess, REGION, REGISTRY_URL } from './support/projector-process';
import { seededRandom } from './support/seeded';
import { testStore, type StoreKind } from './support/stores';
import { deadLetterTopic } from '@meridian/topology';

const EVENTS = 3_000;
const KILLS = 6;
const PUBLISH_CONCURRENCY = 4;
const DLQ_TOPIC = deadLetterTopic(REGION);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each<StoreKind>(['sqlite', 'postgres'])('projector crashes (SIGKILL) on %s', (kind) => {
  let projector: ProjectorProcess | undefined;
  let publisher: EventPublisher | undefined;

  afterAll(async () => {
    await projector?.dispose();
    await publisher?.close();
  });

  it(`applies ${EVENTS} increments exactly once across ${KILLS} SIGKILLs`, async () => {
    const rnd = seededRandom(`projector-crash ${kind}`);
    projector = new ProjectorProcess({ name: `crash-${kind}`, store: testStore(kind, 'crash') });
    publisher = new EventPublisher({
      region: REGION,
      kafka: { brokers: [LOCAL_REGIONS['us-east']], clientId: `test-crash-${kind}` },
      registry: { url: REGISTRY_URL },
    });
    await publisher.connect();
    const p = projector;
    const pub = publisher;
    const id = uniqueName(`crash-${kind}`);
    console.log(`[projector-crash ${kind}] profile ${id}`);

    await p.start();
    await p.waitHealthy();

    // The stream, in the background: every publish is acknowledged (acks=all) before it counts.
    let acknowledged = 0;
    let retried = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < EVENTS) {
        next++;
        for (let attempt = 1; ; attempt++) {
          try {
            await pub.publish(PROFILE, id, [profileSteps.adjustCredit(1)]);
            acknowledged++;
            break;
          } catch (e) {
            // NOT_STORED promises nothing was stored: sending again is the correct client behaviour.
            if (!(e instanceof PublisherError && e.retriable) || attempt >= 5) throw e;
            retried++;
            await sleep(100 * attempt);
          }
        }
      }
    };
    const publishing = Promise.all(Array.from({ length: PUBLISH_CONCURRENCY }, worker));
    let publishFailure: unknown;
    publishing.catch((e: unknown) => (publishFailure = e));

    // The fault schedule: each kill lands 150-900 ms (seeded) after the restarted process is consuming.
    const t0 = Date.now();
    for (let k = 1; k <= KILLS; k++) {
      const delayMs = rnd.int(150, 900);
      await sleep(delayMs);
      const before = await p.positions().catch(() => undefined);
      await p.sigkill();
      console.log(
        `[projector-crash ${kind}] kill ${k}/${KILLS} at +${Date.now() - t0} ms (after ${delayMs} ms up; ` +
          `${acknowledged} published, stats.applied ${before?.stats.applied ?? '?'})`,
      );
      await p.start();
      await p.waitHealthy();
    }

    await publishing;
    expect(publishFailure).toBeUndefined();
    expect(acknowledged).toBe(EVENTS);
    console.log(
      `[projector-crash ${kind}] ${EVENTS} published (${retried} retried) in ${Date.now() - t0} ms`,
    );

    await p.waitCaughtUp(180_000);
    const agg = await p.client.aggregate(PROFILE, id);
    expect(agg).toBeDefined();
    expect(agg?.state.credit?.counter).toBe(EVENTS);
    // Every origin's contiguous high-water mark: the number of distinct events applied.
    const applied = Object.values(agg?.version ?? {}).reduce((a, b) => a + b, 0);
    expect(applied).toBe(EVENTS);

    const stats = (await p.positions()).stats;
    console.log(
      `[projector-crash ${kind}] caught up at +${Date.now() - t0} ms; stats ${JSON.stringify(stats)}`,
    );
    // Stats cover the whole topic history (other tests' poison included): none of ours was dead-lettered.
    const dlq = await readTopicToEnd(localKafka(REGION, 'test-crash-dlq'), DLQ_TOPIC);
    expect(dlq.filter((r) => r.key === id)).toEqual([]);
  }, 420_000);
});
