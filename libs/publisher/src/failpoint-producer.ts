import type { Failpoints } from '@meridian/failpoints';
import { type EventProducer, type ProducedPartition, SendFailure, type TopicMessages } from './producer';

/** The publisher's failpoints, on either side of each send to the broker. */
export const PUBLISHER_FAILPOINTS = ['publish.send.before', 'publish.send.after'] as const;

/**
 * A producer with a failpoint on each side of `send`, so tests can make the two failures that
 * matter happen on the real topology: nothing sent (`before`), and stored but not acknowledged
 * (`after`, the "timeout after the broker stored the write" case). A `delay` there is a slow broker.
 */
export class FailpointProducer implements EventProducer {
  constructor(
    private readonly inner: EventProducer,
    private readonly failpoints: Failpoints,
  ) {}

  connect(): Promise<void> {
    return this.inner.connect();
  }

  async send(batch: readonly TopicMessages[]): Promise<ProducedPartition[]> {
    try {
      await this.failpoints.hit('publish.send.before');
    } catch (e) {
      throw new SendFailure(`${(e as Error).message} (before the send)`, false, { cause: e });
    }
    const meta = await this.inner.send(batch);
    try {
      await this.failpoints.hit('publish.send.after');
    } catch (e) {
      throw new SendFailure(`${(e as Error).message} (after the broker stored the batch)`, true, {
        cause: e,
      });
    }
    return meta;
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }

  probe(timeoutMs: number): Promise<void> {
    return this.inner.probe(timeoutMs);
  }
}
