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
