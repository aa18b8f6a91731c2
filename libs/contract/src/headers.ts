/** Kafka header names the contract writes and reads. */
export const SUBJECT_HEADER = 'meridian-schema-subject';
export const FINGERPRINT_HEADER = 'meridian-schema-fingerprint';

/** kafkajs' IHeaders shape, without importing kafkajs into the core. */
export type KafkaHeaderValue = string | Buffer | (string | Buffer)[] | undefined;
export type KafkaHeaders = Readonly<Record<string, KafkaHeaderValue>>;

/** First value of header `name` as a string; Kafka allows repeats, ours are written once. */
export function headerString(headers: KafkaHeaders | undefined, name: string): string | undefined {
  let v = headers?.[name];
  if (Array.isArray(v)) v = v[0];
  if (v === undefined) return undefined;
  return Buffer.isBuffer(v) ? v.toString('utf8') : v;
}
