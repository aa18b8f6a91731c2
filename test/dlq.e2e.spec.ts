/**
 * `meridian dlq` against the running topology, through the built CLI: an event whose writer clock
 * was 62 s ahead (bound 60 s) is written to us-east's `meridian.profile`; every region's projector
 * dead-letters it as CLOCK_SKEW (MirrorMaker 2 keeps the record timestamp, so all decide alike).
 * `dlq list` finds it, `dlq inspect` decodes it, `--dry-run` writes nothing, and once real time has
 * caught up `dlq reapply` re-produces it: us-east applies it, its mirrored copy is applied in us-west
 * and eu, re-applying us-west's own dead letter too is a duplicate, and a second `reapply` of the
 * same dead letter does nothing (its marker). Only `--offset` is used: the shared dead-letter topics
 * may hold other tests' dead letters, which `--all` would re-apply.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { ConfluentSchemaRegistry, DLQ_HEADERS, EventSerde, type MeridianEvent } from '@meridian/contract';
import { PROFILE } from '@meridian/domain';
import { DEFAULT_MAX_FORWARD_SKEW_MS } from '@meridian/projector';
import { LOCAL_APPS, localKafka, uniqueName, waitFor } from '@meridian/testing';
import { remoteTopicName, aggregateTopic } from '@meridian/topology';
import { ProjectorClient, REGION, REGISTRY_URL, SHARED_PROJECTOR_URL } from './support/projector-process';
import { creditAdjusted } from './support/events';

const TOPIC = aggregateTopic(PROFILE);
const PROJECTORS = {
  'us-east': new ProjectorClient(SHARED_PROJECTOR_URL),
  'us-west': new ProjectorClient(LOCAL_APPS['us-west'].projector),
  eu: new ProjectorClient(LOCAL_APPS['eu'].projector),
};
const AHEAD_MS = DEFAULT_MAX_FORWARD_SKEW_MS + 2_000;
const AMOUNT = 700;

interface Address {
  topic: string;
  partition: number;
  offset: string;
}
interface Listed {
  partition: number;
  offset: string;
  code: string;
  source: Address | null;
  event: { eventId: string } | null;
  reappliedFrom: string | null;
  reapplied: { to: string | null } | null;
}
interface ReapplySummary {
  dryRun: boolean;
  byCode: { code: string; reapplied: number; alreadyReapplied: number; noSource: number }[];
  reapplied: { from: string; code: string; to: Address | null }[];
}

/** `meridian dlq <args> --json`, parsed; fails the test with stderr on a non-zero exit. */
function cli<T>(...args: string[]): T {
  const r = spawnSync('node', [join(__dirname, '..', 'bin', 'meridian.js'), 'dlq', ...args, '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`meridian dlq ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The dead letter of `eventId` in `region` that is not itself a re-applied copy. */
function findListed(region: string, eventId: string): Listed | undefined {
  const { deadLetters } = cli<{ deadLetters: Listed[] }>('list', '--region', region, '--code', 'CLOCK_SKEW');
  return deadLetters.find((d) => d.event?.eventId === eventId && d.reappliedFrom === null);
}

const creditOf = async (region: keyof typeof PROJECTORS, id: string) =>
  (await PROJECTORS[region].aggregate(PROFILE, id))?.state.credit?.counter;

describe('meridian dlq: list, inspect, re-apply after the fix', () => {
  const kafka = localKafka(REGION, 'test-dlq');
  let producer: Producer | undefined;
  afterAll(async () => {
    await producer?.disconnect();
  });

  it('re-applies a CLOCK_SKEW dead letter once real time caught up, with one result in every region', async () => {
    const id = uniqueName('dlq-skew');
    const hlcWallMs = Date.now() + AHEAD_MS;
    const event = creditAdjusted({
      id,
      region: REGION,
      amountCents: AMOUNT,
      wallMs: hlcWallMs,
      nodeId: `${REGION}.dlq-test.${randomUUID()}`,
    });
    const eventId = event.envelope.eventId;
    const serde = new EventSerde({ registry: new ConfluentSchemaRegistry({ url: REGISTRY_URL }) });
    const enc = await serde.encode(event);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const [md] = await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: [{ key: enc.key, value: enc.value, headers: enc.headers }],
    });
    const source = { topic: TOPIC, partition: md!.partition, offset: md!.baseOffset! };

    // list: the projector dead-lettered it, with its source and the event it decodes to.
    const listed = await waitFor(() => findListed(REGION, eventId), {
      timeoutMs: 60_000,
      intervalMs: 1_000,
      description: `${eventId} dead-lettered as CLOCK_SKEW in us-east`,
    });
    expect(listed.source).toEqual(source);
    expect(listed.reapplied).toBeNull();
    const at = `${listed.partition}/${listed.offset}`;

    // inspect: every header, and the decoded event.
    const inspected = cli<{ headers: Record<string, string>; decoded: MeridianEvent | null }>(
      'inspect',
      '--region',
      REGION,
      '--offset',
      at,
    );
    expect(inspected.headers[DLQ_HEADERS.code]).toBe('CLOCK_SKEW');
    expect(inspected.headers[DLQ_HEADERS.topic]).toBe(TOPIC);
    expect(inspected.headers[DLQ_HEADERS.offset]).toBe(source.offset);
    expect(inspected.headers[DLQ_HEADERS.reason]).toMatch(/ahead of the record timestamp/);
    expect(inspected.decoded?.envelope.eventId).toBe(eventId);

    // --dry-run: says what it would do and writes nothing.
    const dry = cli<ReapplySummary>('reapply', '--region', REGION, '--offset', at, '--dry-run');
    expect(dry.byCode).toEqual([{ code: 'CLOCK_SKEW', reapplied: 1, alreadyReapplied: 0, noSource: 0 }]);
    expect(findListed(REGION, eventId)?.reapplied).toBeNull();
    expect(await creditOf('us-east', id)).toBeUndefined();

    // The fix for CLOCK_SKEW is time: wait until a record stamped now is within the bound.
    await waitFor(() => Date.now() > hlcWallMs - DEFAULT_MAX_FORWARD_SKEW_MS + 1_000, {
      timeoutMs: AHEAD_MS,
      intervalMs: 100,
      description: 'real time to come within the skew bound of the event',
    });
    const done = cli<ReapplySummary>('reapply', '--region', REGION, '--offset', at);
    expect(done.byCode).toEqual([{ code: 'CLOCK_SKEW', reapplied: 1, alreadyReapplied: 0, noSource: 0 }]);
    expect(done.reapplied[0]?.to).toMatchObject({ topic: TOPIC, partition: source.partition });

    // us-east applies it; the re-produced record is in a local topic, so it is mirrored and every
    // region (which dead-lettered the original alike) applies it too.
    for (const region of ['us-east', 'us-west', 'eu'] as const) {
      await waitFor(async () => (await creditOf(region, id)) === AMOUNT, {
        timeoutMs: 60_000,
        intervalMs: 250,
        description: `${id} credited ${AMOUNT} in ${region}`,
      });
    }

    // us-west's own dead letter of the mirrored original, re-applied as well: a duplicate.
    const westListed = await waitFor(() => findListed('us-west', eventId), {
      timeoutMs: 30_000,
      intervalMs: 1_000,
      description: `${eventId} dead-lettered in us-west`,
    });
    expect(westListed.source?.topic).toBe(remoteTopicName(REGION, TOPIC));
    const west = cli<ReapplySummary>(
      'reapply',
      '--region',
      'us-west',
      '--offset',
      `${westListed.partition}/${westListed.offset}`,
    );
    const westTo = west.reapplied[0]!.to!;
    await waitFor(
      async () => {
        const p = (await PROJECTORS['us-west'].positions()).positions.find(
          (x) => x.topic === westTo.topic && x.partition === westTo.partition,
        );
        return p !== undefined && BigInt(p.nextOffset) > BigInt(westTo.offset);
      },
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        description: `us-west's projector past ${JSON.stringify(westTo)}`,
      },
    );
    expect(await creditOf('us-west', id)).toBe(AMOUNT); // not doubled
    const digests = await Promise.all(Object.values(PROJECTORS).map((p) => p.aggregate(PROFILE, id)));
    expect(new Set(digests.map((d) => d?.digest)).size).toBe(1);

    // Once only: the marker makes a second reapply of the same dead letter a no-op.
    const twice = cli<ReapplySummary>('reapply', '--region', REGION, '--offset', at);
    expect(twice.byCode).toEqual([{ code: 'CLOCK_SKEW', reapplied: 0, alreadyReapplied: 1, noSource: 0 }]);
    expect(findListed(REGION, eventId)?.reapplied?.to).toBe(
      `${done.reapplied[0]!.to!.topic}/${done.reapplied[0]!.to!.partition}/${done.reapplied[0]!.to!.offset}`,
    );
  });
});
