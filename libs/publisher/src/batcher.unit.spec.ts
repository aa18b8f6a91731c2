import { waitFor } from '@meridian/testing';
import { NotSentError, ProducerBatcher } from './batcher';
import { fakeProducer, msg } from './fake-producer.spec-helper';
import { type EventProducer, type ProducedPartition, SendFailure } from './producer';

const values = (c: { messages: readonly { value: Buffer }[] }[]) =>
  c[0]!.messages.map((m) => m.value.toString());

describe('ProducerBatcher', () => {
  it('coalesces concurrent sends into one batch', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 5, maxBatchMessages: 1000 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => b.send('t', [msg(String(i))])));
    expect(f.calls).toHaveLength(1);
    expect(values(f.calls[0]!)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });

  it('keeps order across batches and sends one batch at a time', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 1000 });
    f.hold();
    const first = b.send('t', [msg('a')]);
    await waitFor(() => f.calls.length === 1, { timeoutMs: 2000, description: 'the first batch in flight' });
    const rest = [b.send('t', [msg('b')]), b.send('t', [msg('c')])];
    // Longer than lingerMs: had b and c not waited for a's acknowledgement, they would be sent by now.
    await new Promise((r) => setTimeout(r, 20));
    expect(f.calls).toHaveLength(1);
    f.release();
    await Promise.all([first, ...rest]);
    expect(f.calls.map(values)).toEqual([['a'], ['b', 'c']]);
  });

  it('splits at maxBatchMessages', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 50, maxBatchMessages: 3 });
    await Promise.all(Array.from({ length: 7 }, () => b.send('t', [msg('x')])));
    expect(f.calls.map((c) => c[0]!.messages.length)).toEqual([3, 3, 1]);
  });

  it('rejects every caller of a failed batch', async () => {
    const f = fakeProducer();
    f.next('refused');
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 100 });
    const results = await Promise.allSettled([b.send('t', [msg('1')]), b.send('u', [msg('2')])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('flush sends what is queued and waits for it', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 10_000, maxBatchMessages: 100 });
    const p = b.send('t', [msg('1')]);
    await b.flush();
    await expect(p).resolves.toMatchObject({ partitions: [{ topic: 't' }] });
    expect(f.calls).toHaveLength(1);
  });

  it('refuses, unsent, every write queued behind a failed batch, and every later send', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 100 });
    f.next('stored-then-timeout');
    f.hold();
    const first = b.send('t', [msg('+500')]);
    await waitFor(() => f.calls.length === 1, { timeoutMs: 2000, description: 'the first batch in flight' });
    const behind = b.send('t', [msg('+300')]);
    f.release();
    await expect(first).rejects.toMatchObject({ name: 'SendFailure', possiblyStored: true });
    await expect(behind).rejects.toBeInstanceOf(NotSentError);
    await expect(b.send('t', [msg('later')])).rejects.toBeInstanceOf(NotSentError);
    expect(f.calls).toHaveLength(1);
    expect(f.log.map((l) => l.message.value.toString())).toEqual(['+500']);
  });

  it('calls onFailure of the failed batch and of the writes behind it before anything else runs', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 100 });
    f.next('lost');
    f.hold();
    const seen: string[] = [];
    const first = b.send('t', [msg('a')], { onFailure: () => seen.push('a') });
    await waitFor(() => f.calls.length === 1, { timeoutMs: 2000, description: 'the first batch in flight' });
    const second = b.send('t', [msg('b')], { onFailure: () => seen.push('b') });
    const settled = Promise.allSettled([first, second]).then(() => seen.push('settled'));
    f.release();
    await settled;
    expect(seen).toEqual(['a', 'b', 'settled']);
  });

  it("runs each write's check right before the send and leaves a refused one out", async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 100 });
    f.hold();
    const first = b.send('t', [msg('a')]);
    await waitFor(() => f.calls.length === 1, { timeoutMs: 2000, description: 'the first batch in flight' });
    let admitted = true;
    const second = b.send('t', [msg('b')], {
      check: () => (admitted ? undefined : new NotSentError('admission ended')),
    });
    const third = b.send('t', [msg('c')]);
    // The condition lapses while the write waits behind the batch in flight.
    admitted = false;
    f.release();
    await first;
    await expect(second).rejects.toThrow('admission ended');
    await third;
    expect(f.log.map((l) => l.message.value.toString())).toEqual(['a', 'c']);
  });

  it('an acknowledgement that arrives after the deadline is not a success', async () => {
    let now = 0;
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 100, clock: () => now });
    f.hold();
    const p = b.send('t', [msg('a')], { deadline: () => 1_000 });
    await waitFor(() => f.calls.length === 1, { timeoutMs: 2000, description: 'the batch in flight' });
    now = 1_001;
    f.release();
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SendFailure);
    expect(e).toMatchObject({ possiblyStored: true });
    expect((e as Error).message).toContain('after the admission deadline');
  });

  it('a send without an acknowledgement by the deadline fails as possibly stored, at the deadline', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 100 });
    f.hold();
    const started = performance.now();
    const e = await b.send('t', [msg('a')], { deadline: () => started + 150 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'SendFailure', possiblyStored: true });
    expect(performance.now() - started).toBeLessThan(1_000);
    f.release();
  });

  it('a write whose deadline has passed before its batch starts is not sent at all', async () => {
    let now = 0;
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 100, clock: () => now });
    now = 5;
    const e = await b.send('t', [msg('a')], { deadline: () => 4 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'SendFailure', possiblyStored: false });
    expect(f.calls).toHaveLength(0);
  });

  it('tells each write of a mixed batch where its own records landed (partition, first and last offset)', async () => {
    // A producer that places keys by their first letter (a → 0, b → 1) and appends per partition.
    const ends = [10n, 70n];
    const producer: EventProducer = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      probe: async () => undefined,
      send: async (batch): Promise<ProducedPartition[]> =>
        batch.flatMap((t) =>
          [0, 1].flatMap((p) => {
            const messageIndexes = t.messages.flatMap((m, i) =>
              (m.key.startsWith('a') ? 0 : 1) === p ? [i] : [],
            );
            if (messageIndexes.length === 0) return [];
            const baseOffset = String(ends[p]!);
            ends[p]! += BigInt(messageIndexes.length);
            return [{ topic: t.topic, partition: p, baseOffset, messageIndexes }];
          }),
        ),
    };
    const b = new ProducerBatcher(producer, { lingerMs: 5, maxBatchMessages: 100 });
    const m = (key: string) => ({ key, value: Buffer.from(key), headers: {} });
    const [w1, w2, w3] = await Promise.all([
      b.send('t', [m('a1'), m('a1')]),
      b.send('t', [m('b1'), m('b1'), m('b1')]),
      b.send('t', [m('a2')]),
    ]);
    expect(w1!.placement).toEqual({ topic: 't', partition: 0, firstOffset: 10n, lastOffset: 11n });
    expect(w2!.placement).toEqual({ topic: 't', partition: 1, firstOffset: 70n, lastOffset: 72n });
    expect(w3!.placement).toEqual({ topic: 't', partition: 0, firstOffset: 12n, lastOffset: 12n });
  });

  it('claims no placement when the producer does not report one', async () => {
    const producer: EventProducer = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      probe: async () => undefined,
      send: async (batch) => batch.map((t) => ({ topic: t.topic, partition: 3, baseOffset: '5' })),
    };
    const b = new ProducerBatcher(producer, { lingerMs: 1, maxBatchMessages: 100 });
    const ack = await b.send('t', [msg('x')]);
    expect(ack.placement).toBeUndefined();
    expect(ack.partitions).toEqual([{ topic: 't', partition: 3, baseOffset: '5' }]);
  });
});
