/** Kafka helpers for the projector tests: read a whole topic as it is now. */
import type { Kafka } from 'kafkajs';
import { readRecords, type ReadRecord } from '@meridian/testing';

/**
 * Every record of `topic` up to its log-end offsets read at the call (plain, non-transactional topic:
 * high - low records per partition), with `readRecords` (fresh group, from the beginning).
 */
export async function readTopicToEnd(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let total = 0;
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) total += Number(BigInt(p.high) - BigInt(p.low));
  } finally {
    await admin.disconnect();
  }
  const reader = await readRecords(kafka, topic);
  try {
    if (total > 0) await reader.waitForCount(total, timeoutMs);
    return [...reader.records];
  } finally {
    await reader.stop();
  }
}
