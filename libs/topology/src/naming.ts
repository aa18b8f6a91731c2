/**
 * Topic naming under MirrorMaker 2's DefaultReplicationPolicy: a topic mirrored from region
 * `source` is called `<source>.<topic>` in the target, which is how a mesh avoids loops.
 */
export const REPLICATION_SEPARATOR = '.';
export const HEARTBEATS_TOPIC = 'heartbeats';

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
export function sourceRegionOf(topic: string, localRegion: string, localPrefix = 'meridian.'): string {
  return topic.startsWith(localPrefix) ? localRegion : topic.slice(0, topic.indexOf(REPLICATION_SEPARATOR));
}
