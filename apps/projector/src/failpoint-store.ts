import type { Failpoints } from '@meridian/failpoints';
import type {
  AggregateKey,
  BatchCommit,
  DigestPage,
  DigestPageOptions,
  ProjectionStore,
  SourcePosition,
  StateDigest,
  StoredDocument,
  StoreStats,
} from '@meridian/store';

/** The failpoints of a projector process: on either side of each store commit. */
export const PROJECTOR_FAILPOINTS = ['store.commit.before', 'store.commit.after'] as const;

/**
 * The store with a failpoint on each side of `commit`: a crash there is the crash a projector can
 * suffer at the worst moment (state and position half-written are exactly what the engine's one
 * transaction rules out; the chaos suite aims kills here instead of hoping a random SIGKILL lands).
 */
export class FailpointStore implements ProjectionStore {
  constructor(
    private readonly inner: ProjectionStore,
    private readonly fp: Failpoints,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }
  positions(): Promise<SourcePosition[]> {
    return this.inner.positions();
  }
  getDocuments(keys: readonly AggregateKey[]): Promise<Map<string, StoredDocument>> {
    return this.inner.getDocuments(keys);
  }
  getDocument(aggregateType: string, aggregateId: string): Promise<StoredDocument | undefined> {
    return this.inner.getDocument(aggregateType, aggregateId);
  }
  async commit(batch: BatchCommit): Promise<void> {
    await this.fp.hit('store.commit.before');
    await this.inner.commit(batch);
    await this.fp.hit('store.commit.after');
  }
  stateDigest(aggregateType?: string): Promise<StateDigest> {
    return this.inner.stateDigest(aggregateType);
  }
  aggregateDigests(aggregateType: string, options?: DigestPageOptions): Promise<DigestPage> {
    return this.inner.aggregateDigests(aggregateType, options);
  }
  stats(): Promise<StoreStats> {
    return this.inner.stats();
  }
  truncate(): Promise<void> {
    return this.inner.truncate();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
