import type { EventProducer, OutgoingMessage, ProducedPartition, TopicMessages } from './producer';
import { SendFailure } from './producer';

type Outcome =
  | { kind: 'ok' }
  /** Refused before anything was written (connection refused). */
  | { kind: 'refused' }
  /** The broker appended the batch, but the acknowledgement never arrived (request timeout). */
  | { kind: 'stored-then-timeout' }
  /** The request was lost before the broker (a reset after the write): unknown to the sender. */
  | { kind: 'lost' };

/**
 * A producer double for the publisher's port: a `log` of what "the broker" stored, a script of
 * outcomes per send, and `hold()` to keep a send in flight.
 */
export function fakeProducer(opts: { logAppendTimeMs?: () => number } = {}) {
  const calls: TopicMessages[][] = [];
  const log: { topic: string; message: OutgoingMessage }[] = [];
  const script: Outcome[] = [];
  let connectFails = false;
  let probeFails = false;
  let connects = 0;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const make = (): EventProducer => ({
    connect: async () => {
      connects++;
      if (connectFails) throw new SendFailure('cannot connect to the broker: ECONNREFUSED', false);
    },
    disconnect: async () => undefined,
    probe: async () => {
      if (probeFails) throw new Error('no broker answered');
    },
    send: async (batch): Promise<ProducedPartition[]> => {
      calls.push([...batch]);
      const outcome = script.shift() ?? { kind: 'ok' };
      if (gate) await gate;
      if (outcome.kind === 'refused') throw new SendFailure('Connection error: connect ECONNREFUSED', false);
      if (outcome.kind === 'lost') throw new SendFailure('Connection error: read ECONNRESET', true);
      for (const t of batch) for (const m of t.messages) log.push({ topic: t.topic, message: m });
      if (outcome.kind === 'stored-then-timeout')
        throw new SendFailure('Request Produce(key: 0, version: 7) timed out', true);
      const at = opts.logAppendTimeMs?.();
      return batch.map((t) => ({
        topic: t.topic,
        partition: 0,
        baseOffset: String(log.length - t.messages.length),
        messageIndexes: t.messages.map((_, i) => i),
        ...(at !== undefined ? { logAppendTimeMs: at } : {}),
      }));
    },
  });
  return {
    make,
    producer: make(),
    calls,
    log,
    get connects() {
      return connects;
    },
    next: (...o: Outcome['kind'][]) => script.push(...o.map((kind) => ({ kind }) as Outcome)),
    failConnect: (v: boolean) => (connectFails = v),
    failProbe: (v: boolean) => (probeFails = v),
    hold: () => (gate = new Promise<void>((r) => (release = r))),
    release: () => {
      gate = undefined;
      release?.();
    },
  };
}

export const msg = (value: string): OutgoingMessage => ({ key: 'k', value: Buffer.from(value), headers: {} });
