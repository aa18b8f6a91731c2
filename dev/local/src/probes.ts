import { Kafka, logLevel } from 'kafkajs';

function admin(bootstrap: string) {
  return new Kafka({
    clientId: 'meridian-local-probe',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  }).admin();
}

/** True once the broker answers a metadata request (an open port alone is not readiness). */
export async function brokerReady(bootstrap: string): Promise<boolean> {
  const a = admin(bootstrap);
  try {
    await a.connect();
    const c = await a.describeCluster();
    return c.brokers.length > 0 && c.controller !== null;
  } catch {
    return false;
  } finally {
    await a.disconnect().catch(() => undefined);
  }
}

export interface HeartbeatProbe {
  /** The mirrored heartbeats topic exists in the target. */
  topicExists: boolean;
  /** A heartbeat stamped at or after `sinceMs` has arrived (record timestamps survive mirroring). */
  arrivedSince: boolean;
  /** Records in the mirrored heartbeats topic (its log-end offset). */
  count: number;
}

/**
 * Looks in the target region for a mirrored heartbeat of the source newer than `sinceMs`, with two
 * ListOffsets calls and no consumer group: the first offset at/after the timestamp is below the
 * log-end offset exactly when such a record exists.
 */
export async function probeMirroredHeartbeats(
  targetBootstrap: string,
  topic: string,
  sinceMs: number,
): Promise<HeartbeatProbe> {
  const a = admin(targetBootstrap);
  try {
    await a.connect();
    const topics = await a.listTopics();
    if (!topics.includes(topic)) return { topicExists: false, arrivedSince: false, count: 0 };
    const high = await a.fetchTopicOffsets(topic);
    const since = await a.fetchTopicOffsetsByTimestamp(topic, sinceMs);
    let arrived = false;
    let count = 0;
    for (const h of high) {
      count += Number(h.high);
      const s = since.find((x) => x.partition === h.partition);
      if (s && Number(s.offset) >= 0 && Number(s.offset) < Number(h.high)) arrived = true;
    }
    return { topicExists: true, arrivedSince: arrived, count };
  } catch {
    return { topicExists: false, arrivedSince: false, count: 0 };
  } finally {
    await a.disconnect().catch(() => undefined);
  }
}

/** True once the registry's Confluent-compatible API answers. */
export async function registryReady(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/subjects`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}
