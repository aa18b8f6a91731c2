import type { Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { waitFor } from '@meridian/testing';
import { ProducerBatcher } from './batcher';

/** A producer double recording each sendBatch call; `gate` lets a test hold a batch in flight. */
function fakeProducer() {
  const calls: ProducerBatch[] = [];
  let fail: Error | undefined;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const producer = {
    sendBatch: async (b: ProducerBatch): Promise<RecordMetadata[]> => {
      calls.push(b);
      if (gate) await gate;
      if (fail) throw fail;
      return (b.topicMessages ?? []).map((t) => ({ topicName: t.topic, partition: 0, errorCode: 0 }));
    },
  } as unknown as Producer;
  return {
    producer,
    calls,
    failWith: (e: Error) => (fail = e),
    hold: () => (gate = new Promise<void>((r) => (release = r))),
    release: () => {
      gate = undefined;
      release?.();
    },
  };
}

describe('ProducerBatcher', () => {
  it('coalesces concurrent sends into one batch', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 5, maxBatchMessages: 1000 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => b.send('t', [{ key: 'k', value: String(i) }])));
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0]!.topicMessages![0]!.messages.map((m) => m.value)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
  });

  it('keeps order across batches and sends one batch at a time', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 1000 });
    f.hold();
    const first = b.send('t', [{ value: 'a' }]);
    await waitFor(() => f.calls.length === 1, { timeoutMs: 2000, description: 'the first batch in flight' });
    const rest = [b.send('t', [{ value: 'b' }]), b.send('t', [{ value: 'c' }])];
    // Longer than lingerMs: had b and c not waited for a's acknowledgement, they would be sent by now.
    await new Promise((r) => setTimeout(r, 20));
    expect(f.calls).toHaveLength(1);
    f.release();
    await Promise.all([first, ...rest]);
    expect(f.calls.map((c) => c.topicMessages![0]!.messages.map((m) => m.value))).toEqual([
      ['a'],
      ['b', 'c'],
    ]);
  });

  it('splits at maxBatchMessages', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 50, maxBatchMessages: 3 });
    await Promise.all(Array.from({ length: 7 }, () => b.send('t', [{ value: 'x' }])));
    expect(f.calls.map((c) => c.topicMessages![0]!.messages.length)).toEqual([3, 3, 1]);
  });

  it('rejects every caller of a failed batch', async () => {
    const f = fakeProducer();
    f.failWith(new Error('broker down'));
    const b = new ProducerBatcher(f.producer, { lingerMs: 1, maxBatchMessages: 100 });
    const results = await Promise.allSettled([b.send('t', [{ value: '1' }]), b.send('u', [{ value: '2' }])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('flush sends what is queued and waits for it', async () => {
    const f = fakeProducer();
    const b = new ProducerBatcher(f.producer, { lingerMs: 10_000, maxBatchMessages: 100 });
    const p = b.send('t', [{ value: '1' }]);
    await b.flush();
    await expect(p).resolves.toHaveLength(1);
    expect(f.calls).toHaveLength(1);
  });
});
