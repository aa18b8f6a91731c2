import { ContractError } from './errors';

export const DLQ_HEADERS = {
  reason: 'meridian-dlq-reason',
  code: 'meridian-dlq-code',
  retriable: 'meridian-dlq-retriable',
  topic: 'meridian-dlq-source-topic',
  partition: 'meridian-dlq-source-partition',
  offset: 'meridian-dlq-source-offset',
} as const;

export interface RecordSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Headers to add when routing the raw record (key, value and original headers unchanged) to a
 * dead-letter topic, so it can be inspected and replayed. Anything that is not a ContractError is
 * labelled UNEXPECTED: it is a bug, not bad input.
 */
export function deadLetterHeaders(error: unknown, source: RecordSource): Record<string, string> {
  const known = error instanceof ContractError;
  const message = error instanceof Error ? error.message : String(error);
  return {
    [DLQ_HEADERS.reason]: message.slice(0, 1_000),
    [DLQ_HEADERS.code]: known ? error.code : 'UNEXPECTED',
    [DLQ_HEADERS.retriable]: String(known && error.retriable),
    [DLQ_HEADERS.topic]: source.topic,
    [DLQ_HEADERS.partition]: String(source.partition),
    [DLQ_HEADERS.offset]: source.offset,
  };
}
