/**
 * Topic naming under MirrorMaker 2's DefaultReplicationPolicy: a topic mirrored from region
 * `source` is called `<source>.<topic>` in the target, which is how a mesh avoids loops.
 */
export const REPLICATION_SEPARATOR = '.';
export const HEARTBEATS_TOPIC = 'heartbeats';
/** Prefix of the topics a region writes itself; MirrorMaker 2 prefixes mirrored ones with `<region>.`. */
export const LOCAL_TOPIC_PREFIX = 'meridian.';

/** The topic events of `aggregateType` are written to in their origin region. */
export function aggregateTopic(aggregateType: string): string {
  return `${LOCAL_TOPIC_PREFIX}${aggregateType}`;
}

/** True for `<region>.meridian.<x>` (a MirrorMaker 2 copy), false for `meridian.<x>`. */
export function isMirroredTopic(topic: string): boolean {
  return !topic.startsWith(LOCAL_TOPIC_PREFIX);
}

/**
 * What a projector subscribes to: every topic of `aggregateTypes`, local (`meridian.profile`) or
 * mirrored from any region (`us-west.meridian.profile`), so a region added later is picked up.
 */
export function sourceTopicPattern(aggregateTypes: readonly string[]): RegExp {
  return new RegExp(`^(?:[a-z][a-z0-9-]*\\.)?meridian\\.(?:${aggregateTypes.join('|')})$`);
}

export function remoteTopicName(sourceRegion: string, topic: string): string {
  return `${sourceRegion}${REPLICATION_SEPARATOR}${topic}`;
}

/** In region `target`, the mirrored copy of the heartbeats topic of `source` (proof the flow runs). */
export function mirroredHeartbeatsTopic(sourceRegion: string): string {
  return remoteTopicName(sourceRegion, HEARTBEATS_TOPIC);
}

export function checkpointsTopic(sourceRegion: string): string {
  return `${sourceRegion}.checkpoints.internal`;
}

/** A region's dead-letter topic. Not mirrored: it does not match the mirror's `meridian\..*` filter. */
export function deadLetterTopic(region: string): string {
  return `meridian-dlq.${region}`;
}

/** The inverse of `remoteTopicName`: `us-west.meridian.profile` → `us-west`; a local topic → `localRegion`. */
export function sourceRegionOf(topic: string, localRegion: string, localPrefix = LOCAL_TOPIC_PREFIX): string {
  return topic.startsWith(localPrefix) ? localRegion : topic.slice(0, topic.indexOf(REPLICATION_SEPARATOR));
}
