import { InMemorySchemaRegistry } from '@meridian/contract';
import { EventPublisher } from './publisher';
import { PublisherError } from './errors';

// A refusing write gate must stop a write before anything reaches Kafka: the broker address here
// does not exist, so any attempt to publish would fail differently (NOT_STORED), and slowly.
describe('EventPublisher write gate (Phase A)', () => {
  const step = {
    mutation: () => {
      throw new Error('a refused write must not even be prepared');
    },
    payload: () => ({ type: 'x' as never }),
  };

  it('refuses with NOT_WRITER (retriable, 503) naming the reason and epoch, publishing nothing', async () => {
    const p = new EventPublisher({
      region: 'us-east',
      kafka: { brokers: ['127.0.0.1:1'] },
      registry: new InMemorySchemaRegistry(),
      writeGate: () => ({ accepting: false, epoch: 4, reason: 'LEASE_LOST' }),
    });
    const err = await p.publish('profile', 'p1', [step]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublisherError);
    expect(err).toMatchObject({ code: 'NOT_WRITER', retriable: true });
    expect((err as Error).message).toContain('LEASE_LOST, epoch 4');
    await p.close();
  });
});

// --- the write path under partial failure, against the producer port --------------------------

import { EventSerde, registerAll, type ProfileEvent } from '@meridian/contract';
import { applyOp, documentEmpty, readField, type Document } from '@meridian/merge';
import pino from 'pino';
import { profileEventToOperation, profileSteps } from '@meridian/domain';
import { waitFor } from '@meridian/testing';
import { Failpoints } from '@meridian/failpoints';
import { fakeProducer } from './fake-producer.spec-helper';
import { PUBLISHER_FAILPOINTS } from './failpoint-producer';
import type { PublisherOptions } from './publisher';

async function world(opts: Partial<PublisherOptions> = {}, f = fakeProducer()) {
  const registry = new InMemorySchemaRegistry({ name: 'us-east', firstId: 1 });
  await registerAll(registry);
  const serde = new EventSerde({ registry });
  const publisher = new EventPublisher({
    region: 'us-east',
    kafka: { brokers: ['127.0.0.1:1'] },
    registry,
    producerFactory: f.make,
    lingerMs: 1,
    logger: pino({ level: 'silent' }),
    ...opts,
  });
  /** What a projector folds from "the broker's" log (in log order, or a given order). */
  const fold = async (log = f.log.map((l) => l.message)): Promise<Document> => {
    let doc = documentEmpty();
    for (const m of log) {
      const e = (await serde.decode(m.value, m.headers, { topic: 'meridian.profile' })) as ProfileEvent;
      doc = applyOp(doc, profileEventToOperation(e));
    }
    return doc;
  };
  const credit = async (log?: Parameters<typeof fold>[0]) =>
    readField(await fold(log), 'credit')?.counter ?? 0;
  return { f, publisher, serde, fold, credit };
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof PublisherError ? e.code : `not a PublisherError: ${String(e)}`),
  );

describe('EventPublisher: a failed write never leaks into the next (issue 14.1)', () => {
  it('+500 refused by the broker, +300 queued behind it: both NOT_STORED, nothing in the log', async () => {
    const w = await world();
    w.f.next('refused');
    w.f.hold();
    const first = codeOf(w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(500)]));
    await waitFor(() => w.f.calls.length === 1, { timeoutMs: 2000, description: '+500 in flight' });
    const second = codeOf(w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(300)]));
    w.f.release();
    expect(await first).toBe('NOT_STORED');
    expect(await second).toBe('NOT_STORED');
    expect(w.f.log).toHaveLength(0);
    // The client retries both, as told: exactly 800.
    await w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(500)]);
    await w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(300)]);
    expect(await w.credit()).toBe(800);
  });

  it('+500 with an unknown outcome (stored, ack lost): +300 behind it is refused unsent, and a keyed retry of +500 counts once', async () => {
    const w = await world();
    w.f.next('stored-then-timeout');
    w.f.hold();
    const ctx = { idempotencyKey: 'pay-1' };
    const first = codeOf(w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(500)], ctx));
    await waitFor(() => w.f.calls.length === 1, { timeoutMs: 2000, description: '+500 in flight' });
    const second = codeOf(w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(300)]));
    w.f.release();
    expect(await first).toBe('OUTCOME_UNKNOWN');
    expect(await second).toBe('NOT_STORED');
    await w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(500)], ctx);
    await w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(300)]);
    expect(w.f.log).toHaveLength(3); // +500 twice (same identity), +300 once
    expect(await w.credit()).toBe(800);
  });

  it('a write prepared on a session before its failure, sent after it, is refused (NOT_STORED)', async () => {
    let release: (() => void) | undefined;
    const slow = new Promise<void>((r) => (release = r));
    const w = await world();
    w.f.next('lost');
    w.f.hold();
    const first = codeOf(w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(500)]));
    await waitFor(() => w.f.calls.length === 1, { timeoutMs: 2000, description: '+500 in flight' });
    // Prepared now (its totals include +500), handed to the batcher only after +500 failed.
    const step = profileSteps.adjustCredit(300);
    const second = codeOf(
      w.publisher.publish('profile', 'ada', [{ mutation: step.mutation, payload: (op) => step.payload(op) }]),
    );
    void slow;
    w.f.release();
    release?.();
    expect(await first).toBe('OUTCOME_UNKNOWN');
    expect(await second).toBe('NOT_STORED');
    expect(w.f.log.length).toBeLessThanOrEqual(1);
  });
});

describe('EventPublisher: NOT_STORED only when certainly nothing was stored (issue 14.4)', () => {
  it.each([
    ['refused', 'NOT_STORED'],
    ['stored-then-timeout', 'OUTCOME_UNKNOWN'],
    ['lost', 'OUTCOME_UNKNOWN'],
  ] as const)('a send that is %s answers %s', async (outcome, code) => {
    const w = await world();
    w.f.next(outcome);
    expect(await codeOf(w.publisher.publish('profile', 'ada', [profileSteps.recordLogin()]))).toBe(code);
  });

  it('a broker that refuses connections: NOT_STORED, and health says not ready', async () => {
    const w = await world();
    w.f.failConnect(true);
    expect(await codeOf(w.publisher.publish('profile', 'ada', [profileSteps.recordLogin()]))).toBe(
      'NOT_STORED',
    );
    expect(w.publisher.health()).toMatchObject({ ready: false });
    w.f.failConnect(false);
    expect((await w.publisher.probe()).ready).toBe(true);
  });

  it('health follows the broker between writes: two failed probes in a row make it not ready', async () => {
    const w = await world();
    await w.publisher.connect();
    w.f.failProbe(true);
    expect((await w.publisher.probe()).ready).toBe(true); // one slow or lost answer is not an outage
    expect((await w.publisher.probe()).ready).toBe(false);
    expect(w.publisher.health().error).toContain('broker unreachable');
    w.f.failProbe(false);
    expect((await w.publisher.probe()).ready).toBe(true);
  });

  it('after an unknown outcome health is not ready until a producer connects again', async () => {
    const w = await world();
    await w.publisher.connect();
    expect(w.publisher.health().ready).toBe(true);
    w.f.next('lost');
    await codeOf(w.publisher.publish('profile', 'ada', [profileSteps.recordLogin()]));
    expect(w.publisher.health().ready).toBe(false);
    expect((await w.publisher.probe()).ready).toBe(true);
  });
});

describe('EventPublisher: admission is checked right before the send, and bounds it (issue 14.2)', () => {
  it('a write whose admission lapses while it waits behind a batch in flight is refused unsent', async () => {
    let accepting = true;
    const w = await world({
      writeGate: () =>
        accepting ? { accepting: true, epoch: 3 } : { accepting: false, epoch: 3, reason: 'LEASE_LOST' },
    });
    w.f.hold();
    const first = w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]);
    await waitFor(() => w.f.calls.length === 1, { timeoutMs: 2000, description: 'first in flight' });
    const second = codeOf(w.publisher.publish('profile', 'b', [profileSteps.recordLogin()]));
    await new Promise((r) => setImmediate(r));
    accepting = false;
    w.f.release();
    await first;
    expect(await second).toBe('NOT_STORED');
    expect(w.f.log).toHaveLength(1);
  });

  it('a new epoch between stamping and sending refuses the write (its events carry the old epoch)', async () => {
    let epoch = 3;
    const w = await world({ writeGate: () => ({ accepting: true, epoch }) });
    w.f.hold();
    const first = w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]);
    await waitFor(() => w.f.calls.length === 1, { timeoutMs: 2000, description: 'first in flight' });
    const second = codeOf(w.publisher.publish('profile', 'b', [profileSteps.recordLogin()]));
    await new Promise((r) => setImmediate(r));
    epoch = 4;
    w.f.release();
    await first;
    expect(await second).toBe('NOT_STORED');
  });

  it('a write acknowledged after the admission deadline is OUTCOME_UNKNOWN, never 2xx', async () => {
    const deadlineMs = performance.now() + 1000;
    const w = await world({ writeGate: () => ({ accepting: true, epoch: 1, deadlineMs }) });
    w.f.hold();
    const p = codeOf(w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]));
    // In flight before the deadline (a loaded machine may take a while to get there), acked after it.
    await waitFor(() => w.f.calls.length === 1, { timeoutMs: 2000, description: 'the send in flight' });
    await waitFor(() => performance.now() > deadlineMs + 5, {
      timeoutMs: 3000,
      description: 'deadline passed',
    });
    w.f.release();
    expect(await p).toBe('OUTCOME_UNKNOWN');
  });

  it('a snapshot load that outlasts admission: refused before anything is sent', async () => {
    let accepting = true;
    let loaded: (() => void) | undefined;
    const w = await world({
      writeGate: () =>
        accepting ? { accepting: true, epoch: 1 } : { accepting: false, epoch: 1, reason: 'LEASE_LOST' },
      snapshots: { load: () => new Promise((r) => (loaded = () => r(undefined))) },
    });
    // A tag add reads other writers' dots, so it waits for the snapshot (a login count would not).
    const p = codeOf(w.publisher.publish('profile', 'a', [profileSteps.addTag('x')]));
    await waitFor(() => loaded !== undefined, { timeoutMs: 2000, description: 'snapshot load started' });
    accepting = false;
    loaded!();
    expect(await p).toBe('NOT_STORED');
    expect(w.f.calls).toHaveLength(0);
  });
});

describe('EventPublisher: the first write to a fresh aggregate (issue 17)', () => {
  it('a write whose steps read only their own origin is stored without waiting for the snapshot', async () => {
    let loads = 0;
    const w = await world({ snapshots: { load: () => (loads++, new Promise(() => undefined)) } });
    const [e] = await w.publisher.publish('profile', 'fresh', [profileSteps.adjustCredit(100)]);
    expect(e!.type).toMatch(/CreditAdjusted$/);
    expect(w.f.log).toHaveLength(1);
    expect(loads).toBe(0);
  });
});

describe('EventPublisher: idempotency keys (issue 14.3)', () => {
  it('the same key twice in one process publishes once and answers the original identities', async () => {
    const w = await world();
    const ctx = { idempotencyKey: 'k-1' };
    const a = await w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(250)], ctx);
    const b = await w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(250)], ctx);
    expect(w.f.log).toHaveLength(1);
    expect(b.map((e) => e.eventId)).toEqual(a.map((e) => e.eventId));
    expect(b[0]!.replayed).toBe(true);
  });

  it('the same key concurrently: one publish, both callers get its outcome', async () => {
    const w = await world();
    const ctx = { idempotencyKey: 'k-2' };
    const [a, b] = await Promise.all([
      w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(1)], ctx),
      w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(1)], ctx),
    ]);
    expect(w.f.log).toHaveLength(1);
    expect(b[0]!.eventId).toBe(a[0]!.eventId);
  });

  it('a key retried in another region and after a restart is applied once, whatever the order', async () => {
    const east = await world();
    const west = await world({ region: 'us-west' }, east.f); // same "log" to fold
    const restarted = await world({}, east.f);
    const ctx = { idempotencyKey: 'transfer-42' };
    await east.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(700)], ctx);
    await west.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(700)], ctx);
    await restarted.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(700)], ctx);
    await east.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(5)]);
    const log = east.f.log.map((l) => l.message);
    expect(log).toHaveLength(4);
    expect(await east.credit(log)).toBe(705);
    expect(await east.credit([...log].reverse())).toBe(705);
  });

  it('a known key is answered from the writer view (the projector already applied it)', async () => {
    const first = await world();
    await first.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(9)], { idempotencyKey: 'v' });
    const view = await first.fold();
    const other = await world({ snapshots: { load: async () => view } });
    const r = await other.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(9)], {
      idempotencyKey: 'v',
    });
    expect(r[0]!.replayed).toBe(true);
    expect(other.f.log).toHaveLength(0);
  });

  it('rejects an aggregate key outside the one rule, naming the field, publishing nothing', async () => {
    const w = await world();
    await expect(w.publisher.publish('profile', 'a\nb', [profileSteps.recordLogin()])).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      retriable: false,
      message: expect.stringContaining('aggregateId'),
    });
    await expect(w.publisher.publish('9profile', 'a', [profileSteps.recordLogin()])).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      message: expect.stringContaining('aggregateType'),
    });
    expect(w.f.calls).toHaveLength(0);
  });

  it('rejects a malformed key, publishing nothing', async () => {
    const w = await world();
    expect(
      await codeOf(
        w.publisher.publish('profile', 'a', [profileSteps.recordLogin()], { idempotencyKey: 'a b' }),
      ),
    ).toBe('INVALID_EVENT');
    expect(w.f.calls).toHaveLength(0);
  });
});

describe('EventPublisher: the writer clock is bounded at the source (issue 14.6)', () => {
  it('refuses writes of a clock past the bound (CLOCK_SKEW), never a 2xx, and stores nothing more', async () => {
    const skewMs = 90_000;
    const w = await world(
      { wallClockMs: () => Date.now() + skewMs, maxForwardSkewMs: 60_000 },
      fakeProducer({ logAppendTimeMs: () => Date.now() }),
    );
    // The first write teaches the publisher the broker's clock: stored, but answered CLOCK_SKEW.
    expect(await codeOf(w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]))).toBe(
      'CLOCK_SKEW',
    );
    expect(await codeOf(w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]))).toBe(
      'CLOCK_SKEW',
    );
    expect(w.f.log).toHaveLength(1);
    expect(w.publisher.health().clockSkewMs).toBeGreaterThan(skewMs - 1000);
  });

  it('accepts a clock ahead within the bound', async () => {
    const w = await world(
      { wallClockMs: () => Date.now() + 5_000, maxForwardSkewMs: 60_000 },
      fakeProducer({ logAppendTimeMs: () => Date.now() }),
    );
    expect(await codeOf(w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]))).toBe('OK');
    expect(await codeOf(w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]))).toBe('OK');
  });
});

describe('EventPublisher failpoints (for the chaos suite)', () => {
  it('publish.send.before → NOT_STORED with nothing stored; publish.send.after → OUTCOME_UNKNOWN with it stored', async () => {
    const failpoints = new Failpoints(PUBLISHER_FAILPOINTS);
    const w = await world({ failpoints });
    failpoints.arm('publish.send.before', { action: 'throw' });
    expect(await codeOf(w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]))).toBe(
      'NOT_STORED',
    );
    expect(w.f.log).toHaveLength(0);
    failpoints.arm('publish.send.after', { action: 'throw' });
    expect(await codeOf(w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]))).toBe(
      'OUTCOME_UNKNOWN',
    );
    expect(w.f.log).toHaveLength(1);
    expect(await codeOf(w.publisher.publish('profile', 'a', [profileSteps.recordLogin()]))).toBe('OK');
  });
});

// --- durability per write (issue 18 §2), against the confirmer port ------------------------------

import type { RemoteConfirmer } from './remote';

/** A confirmer double: `hold(topic, partition, offset)` is what the other regions hold so far. */
function fakeConfirmer(opts: { unavailable?: string } = {}) {
  const held = new Map<string, bigint>();
  const asked: { topic: string; partition: number; offset: bigint }[] = [];
  const waiting: { k: string; offset: bigint; resolve: (r: { region: string } | undefined) => void }[] = [];
  const confirmer: RemoteConfirmer = {
    unavailable: () => opts.unavailable,
    confirm: (topic, partition, offset, timeoutMs) => {
      asked.push({ topic, partition, offset });
      const k = `${topic}/${partition}`;
      if ((held.get(k) ?? -1n) >= offset) return Promise.resolve({ region: 'eu' });
      return new Promise((resolve) => {
        const w = { k, offset, resolve };
        waiting.push(w);
        setTimeout(() => resolve(undefined), timeoutMs).unref();
      });
    },
    close: async () => undefined,
  };
  return {
    confirmer,
    asked,
    hold(topic: string, partition: number, offset: bigint) {
      held.set(`${topic}/${partition}`, offset);
      for (const w of waiting)
        if (w.k === `${topic}/${partition}` && w.offset <= offset) w.resolve({ region: 'eu' });
    },
  };
}

describe('EventPublisher: durability per write (issue 18 §2)', () => {
  it('remote resolves only once another region holds the write’s last record, and says which region', async () => {
    const c = fakeConfirmer();
    const w = await world({ remote: c.confirmer, remoteTimeoutMs: 5000 });
    let settled = false;
    const p = w.publisher
      .publish('profile', 'ada', [profileSteps.adjustCredit(1), profileSteps.adjustCredit(2)], {
        durability: 'remote',
      })
      .finally(() => (settled = true));
    await waitFor(() => c.asked.length === 1, { timeoutMs: 2000, description: 'the confirmation asked for' });
    // Two events at offsets 0 and 1 of partition 0: the last one is what must be held elsewhere.
    expect(c.asked[0]).toEqual({ topic: 'meridian.profile', partition: 0, offset: 1n });
    c.hold('meridian.profile', 0, 0n);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    c.hold('meridian.profile', 0, 1n);
    const events = await p;
    expect(events.map((e) => [e.offset, e.confirmedIn])).toEqual([
      ['0', 'eu'],
      ['1', 'eu'],
    ]);
  });

  it('remote not confirmed in time: REMOTE_UNCONFIRMED (stored locally, 504, never 2xx); a keyed retry publishes nothing and waits again', async () => {
    const c = fakeConfirmer();
    const w = await world({ remote: c.confirmer, remoteTimeoutMs: 50 });
    const e = await w.publisher
      .publish('profile', 'ada', [profileSteps.adjustCredit(5)], {
        durability: 'remote',
        idempotencyKey: 'k1',
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PublisherError);
    expect(e).toMatchObject({ code: 'REMOTE_UNCONFIRMED', retriable: true, certainlyNotStored: false });
    expect((e as Error).message).toMatch(
      /stored in us-east \(meridian\.profile\[0\]@0\) but no other region/,
    );
    expect(w.f.log).toHaveLength(1);
    c.hold('meridian.profile', 0, 0n);
    const again = await w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(5)], {
      durability: 'remote',
      idempotencyKey: 'k1',
    });
    expect(again).toMatchObject([{ replayed: true, confirmedIn: 'eu', offset: '0' }]);
    expect(w.f.log).toHaveLength(1);
    expect(await w.credit()).toBe(5);
  });

  it('remote where no region can confirm it: DURABILITY_UNAVAILABLE before anything is stored', async () => {
    const none = await world();
    await expect(
      none.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(1)], { durability: 'remote' }),
    ).rejects.toMatchObject({ code: 'DURABILITY_UNAVAILABLE', certainlyNotStored: true });
    const c = fakeConfirmer({ unavailable: 'no region mirrors us-east' });
    const w = await world({ remote: c.confirmer });
    const e = await w.publisher
      .publish('profile', 'ada', [profileSteps.adjustCredit(1)], { durability: 'remote' })
      .catch((x: unknown) => x);
    expect((e as Error).message).toContain('no region mirrors us-east');
    expect(none.f.log).toHaveLength(0);
    expect(w.f.log).toHaveLength(0);
  });

  it('local (the default) never asks the confirmer; an unknown durability is INVALID_EVENT naming the field', async () => {
    const c = fakeConfirmer();
    const w = await world({ remote: c.confirmer });
    await w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(1)]);
    await w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(1)], { durability: 'local' });
    expect(c.asked).toHaveLength(0);
    await expect(
      w.publisher.publish('profile', 'ada', [profileSteps.adjustCredit(1)], {
        durability: 'everywhere' as never,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_EVENT', message: expect.stringContaining('durability') });
    expect(w.f.log).toHaveLength(2);
  });
});
