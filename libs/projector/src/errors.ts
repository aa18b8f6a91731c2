/** Projector failures that are not a record's fault (those are dead-lettered with a code instead). */
import { MeridianError } from '@meridian/errors';

export type ProjectorErrorCode = 'POSITION_AHEAD_OF_LOG';

/** The projector cannot go on safely (its stored position is ahead of the log). */
export class ProjectorError extends MeridianError<ProjectorErrorCode> {}

/**
 * The store's position for a partition is beyond the partition's log end: the topic was recreated
 * or the brokers lost data, and the consumer (reset to the log start) delivers offsets the engine
 * would take for already-applied records. Not retriable: the projector stops instead of skipping.
 */
export class PositionAheadOfLogError extends ProjectorError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The store's next offset for the partition. */
    readonly storedNextOffset: string,
    /** The partition's log end (high watermark) in the fetch that delivered `firstFetchedOffset`. */
    readonly logEndOffset: string,
    readonly firstFetchedOffset: string,
  ) {
    super(
      'POSITION_AHEAD_OF_LOG',
      `${topic}[${partition}]: the store's position is offset ${storedNextOffset} but the log ends at ` +
        `${logEndOffset} (fetched from ${firstFetchedOffset}): the topic was recreated or the brokers ` +
        `lost data, and the records now at offsets below ${storedNextOffset} would be skipped unread. ` +
        `The projector stopped instead. To recover, stop it (and its supervisor) and rebuild the ` +
        `region's state from what the topics hold now: \`npx meridian replay --region <region> ` +
        `--store <this store> --in-place --live-projector <its url>\`, or replay into a fresh store ` +
        `and point the projector at it; the rebuilt positions follow the log as it is.`,
    );
  }
}
