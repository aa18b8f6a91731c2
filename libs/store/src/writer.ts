/**
 * One writer per store. The projector reads documents outside its commit transaction and writes
 * them back whole, so a second writer on the same store (a second projector in the group, the old
 * instance during a restart, `replay --in-place`) would silently overwrite updates while every
 * partition's offset still advanced. Each adapter therefore takes the store for the life of the
 * open store object, in two layers:
 *
 * 1. A lock that the operating system or the server releases when the holder dies, so a crash
 *    never leaves the store locked and a second opener fails at once: PostgreSQL a session-level
 *    advisory lock on a dedicated connection; SQLite an exclusive transaction held open on a
 *    sidecar file (`<file>-writer.lock`).
 * 2. An owner row (`store_meta.writer`), written by whoever takes the lock and checked inside
 *    every commit transaction. It fences the cases the lock alone cannot: a PostgreSQL lock session
 *    that died while its process lives on (the server released the lock, someone else took it), a
 *    lock file deleted behind the store's back. Taking over waits for the row lock of a commit in
 *    flight, so the old writer's last commit is either visible to the new writer or refused.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Who holds a store; recorded in the store itself when the writer takes it. */
export interface StoreWriter {
  /** Random per opened store object: two stores in one process differ. */
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
  readonly sinceMs: number;
  /** PostgreSQL: the server backend that holds the advisory lock, if it could be read. */
  readonly backendPid?: number;
  /** PostgreSQL: that backend's client address. */
  readonly clientAddr?: string;
}

export function newStoreWriter(nowMs = Date.now()): StoreWriter {
  return { owner: randomUUID(), pid: process.pid, host: hostname(), sinceMs: nowMs };
}

/** The owner row's value; compared as text in every commit, so it is written exactly once per open. */
export function encodeStoreWriter(w: StoreWriter): string {
  return JSON.stringify({ owner: w.owner, pid: w.pid, host: w.host, sinceMs: w.sinceMs });
}

/** Undefined for a missing or unreadable row: the error then says the holder is unknown. */
export function decodeStoreWriter(text: unknown): StoreWriter | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const v = JSON.parse(text) as Partial<StoreWriter>;
    if (
      typeof v.owner === 'string' &&
      typeof v.pid === 'number' &&
      typeof v.host === 'string' &&
      typeof v.sinceMs === 'number'
    )
      return { owner: v.owner, pid: v.pid, host: v.host, sinceMs: v.sinceMs };
  } catch {
    // fall through: an unreadable row names no holder
  }
  return undefined;
}
