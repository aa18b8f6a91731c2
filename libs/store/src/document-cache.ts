import { documentKey, type StoredDocument } from './store';

/**
 * The documents this store object committed last, by `documentKey`, least recently used out first.
 * A projector's next batch touches mostly the aggregates of its last ones; reading them back would
 * select, re-hash and parse what was just written. Valid only while this object is the store's one
 * writer: the adapters clear it whenever that may have stopped being true (a failed commit, a lock
 * retaken, a truncate) and fill it only after a commit is durable.
 */
export class DocumentCache {
  private readonly entries = new Map<string, StoredDocument>();

  constructor(private readonly capacity: number) {}

  get(key: string): StoredDocument | undefined {
    const d = this.entries.get(key);
    if (d !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, d);
    }
    return d;
  }

  remember(key: string, d: StoredDocument): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, d);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** After a durable commit: the states it wrote, as a read of them would return them. */
  rememberCommitted(
    documents: readonly {
      aggregateType: string;
      aggregateId: string;
      state: unknown;
      digest: string;
      updatedAtMs: number;
    }[],
  ): void {
    for (const d of documents)
      this.remember(documentKey(d.aggregateType, d.aggregateId), {
        aggregateType: d.aggregateType,
        aggregateId: d.aggregateId,
        state: d.state,
        digest: d.digest,
        updatedAtMs: d.updatedAtMs,
      });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
