/**
 * The port behind `durability: 'remote'`: whether another region's copy of this region's log holds a
 * record yet. The adapter (`OffsetSyncConfirmer` in @meridian/replication) reads MirrorMaker 2's
 * offset-syncs in the target regions, which MirrorMaker 2 writes only after the target broker
 * acknowledged the copied record (acks=all). Nothing is produced a second time by the publisher.
 */
export type Durability = 'local' | 'remote';

export const DURABILITIES: readonly Durability[] = ['local', 'remote'];

export interface RemoteConfirmation {
  /** The first other region found to hold the record. */
  region: string;
}

export interface RemoteConfirmer {
  /**
   * Why a remote write cannot be offered at all (no region mirrors this one), checked before
   * anything is published; undefined when it can.
   */
  unavailable(): string | undefined;
  /**
   * Resolves once another region's copy of `topic`/`partition` holds every record up to `offset`
   * (inclusive), or with undefined when `timeoutMs` passes first (the record may still get there).
   */
  confirm(
    topic: string,
    partition: number,
    offset: bigint,
    timeoutMs: number,
  ): Promise<RemoteConfirmation | undefined>;
  /** Per region that could confirm: whether it is being read, and how fresh its last word is. */
  status?(): readonly RemoteTargetStatus[];
  close(): Promise<void>;
}

export interface RemoteTargetStatus {
  region: string;
  reading: boolean;
  lastSyncAgoMs?: number;
  error?: string;
}
