import type { FlowFigures } from './figures';

/**
 * Which aggregates have acknowledged events not yet in a region: RPO per aggregate (and per tenant,
 * when events carry a `tenant` header). Pure: the index is fed by the tail follower of each source
 * region and pruned below what every target already holds; the report joins it with the flows'
 * latest figures. It never scans a topic: the index holds only the unmirrored tail (records at or
 * past the lowest `mirroredEnd` of a partition's flows), so its size is the data at risk, and it
 * stays readable when its source region dies — which is when it matters.
 */

/** One source record the follower read: what the report needs of it. */
export interface TailRecord {
  offset: bigint;
  /** The record key: the aggregate id (Meridian keys every event by it). */
  aggregateId: string;
  /** The record's timestamp (LogAppendTime on event topics: when the broker acknowledged it). */
  timestampMs: number;
  tenant?: string;
}

interface PartitionTail {
  records: TailRecord[];
  /** Index of the first live record in `records` (pruning advances it; compacted now and then). */
  head: number;
  /** Next offset the follower will read: everything below it (and ≥ `from`) was seen. */
  readTo: bigint;
  /** Records below this were never indexed or were dropped over the cap: not attributable. */
  from: bigint;
}

const pkey = (topic: string, partition: number) => `${topic}:${partition}`;

/** The unmirrored tails of one source region's partitions, bounded to `maxRecords` in all. */
export class TailIndex {
  private readonly parts = new Map<string, PartitionTail>();
  private size = 0;

  constructor(private readonly maxRecords = 1_000_000) {}

  /** Where reading a partition should resume: after what was seen, else undefined. */
  readTo(topic: string, partition: number): bigint | undefined {
    return this.parts.get(pkey(topic, partition))?.readTo;
  }

  /** Records the follower read, in offset order, starting at `startOffset` (its seek position). */
  add(topic: string, partition: number, startOffset: bigint, records: readonly TailRecord[]): void {
    const k = pkey(topic, partition);
    let t = this.parts.get(k);
    if (!t) this.parts.set(k, (t = { records: [], head: 0, readTo: startOffset, from: startOffset }));
    for (const r of records) {
      if (r.offset < t.readTo) continue; // a refetch after a rejoin
      t.records.push(r);
      t.readTo = r.offset + 1n;
      this.size++;
    }
    if (this.size > this.maxRecords) this.shed();
  }

  /** The follower moved past offsets that hold no record (control records, compaction). */
  advance(topic: string, partition: number, nextOffset: bigint): void {
    const t = this.parts.get(pkey(topic, partition));
    if (t && nextOffset > t.readTo) t.readTo = nextOffset;
  }

  /** Forgets a partition's records below `offset` (every target holds them). */
  prune(topic: string, partition: number, offset: bigint): void {
    const t = this.parts.get(pkey(topic, partition));
    if (!t) return;
    while (t.head < t.records.length && t.records[t.head]!.offset < offset) {
      t.head++;
      this.size--;
    }
    if (offset > t.from) t.from = offset < t.readTo ? offset : t.readTo;
    if (t.head > 1024 && t.head * 2 > t.records.length) {
      t.records = t.records.slice(t.head);
      t.head = 0;
    }
  }

  /** Over the cap: drop the oldest records of the largest tail (they become "not attributable"). */
  private shed(): void {
    let largest: PartitionTail | undefined;
    for (const t of this.parts.values())
      if (!largest || t.records.length - t.head > largest.records.length - largest.head) largest = t;
    if (!largest) return;
    const drop = Math.min(largest.records.length - largest.head, this.size - this.maxRecords);
    largest.head += drop;
    this.size -= drop;
    largest.from = largest.records[largest.head]?.offset ?? largest.readTo;
  }

  /** The records of a partition at or past `offset`, and from where the index can attribute them. */
  tail(
    topic: string,
    partition: number,
    offset: bigint,
  ): { records: TailRecord[]; from: bigint; readTo: bigint } {
    const t = this.parts.get(pkey(topic, partition));
    if (!t) return { records: [], from: offset, readTo: offset };
    const out: TailRecord[] = [];
    for (let i = t.head; i < t.records.length; i++)
      if (t.records[i]!.offset >= offset) out.push(t.records[i]!);
    return { records: out, from: t.from, readTo: t.readTo };
  }

  /** Drops a partition whose topic is gone. */
  forget(topic: string): void {
    for (const [k, t] of this.parts)
      if (k.slice(0, k.lastIndexOf(':')) === topic) {
        this.size -= t.records.length - t.head;
        this.parts.delete(k);
      }
  }
}

export interface AggregateAtRisk {
  topic: string;
  aggregateId: string;
  tenant?: string;
  /** Acknowledged events of this aggregate not yet in the target. */
  events: number;
  oldestMs: number;
  /** The newest unmirrored event's timestamp: what a failover to the target would lose up to. */
  newestMs: number;
}

export interface FlowAtRisk {
  source: string;
  target: string;
  /** The flow's RPO in records, as the monitor figures it (the total the aggregates account for). */
  rpoRecords: number;
  /** Records at risk the index could name (the sum of `events` below). */
  attributed: number;
  /**
   * Records known to be at risk (from offsets) whose aggregates the index cannot name: not yet read
   * by the follower (a dead source's last records), or shed over the index's cap. Never hidden.
   */
  unattributed: number;
  /** The source did not answer at the last sample: more may be at risk than it last reported. */
  stale: boolean;
  aggregates: AggregateAtRisk[];
  tenants: { tenant: string; aggregates: number; events: number; newestMs: number }[];
}

/**
 * The aggregates of one flow with acknowledged events not yet in its target: per partition, the
 * indexed records at or past `mirroredEnd` (up to the source's end or beyond, if the follower read
 * newer ones), grouped by aggregate; what offsets prove at risk but the index cannot name is
 * counted as `unattributed`, not dropped.
 */
export function flowAtRisk(figures: FlowFigures, index: TailIndex): FlowAtRisk {
  const byAggregate = new Map<string, AggregateAtRisk>();
  let attributed = 0;
  let unattributed = 0;
  for (const p of figures.partitions) {
    const mirrored = BigInt(p.mirroredEnd);
    const end = BigInt(p.sourceEnd);
    const t = index.tail(p.topic, p.partition, mirrored);
    for (const r of t.records) {
      attributed++;
      const k = `${p.topic}\0${r.aggregateId}\0${r.tenant ?? ''}`;
      const a = byAggregate.get(k);
      if (a) {
        a.events++;
        if (r.timestampMs < a.oldestMs) a.oldestMs = r.timestampMs;
        if (r.timestampMs > a.newestMs) a.newestMs = r.timestampMs;
      } else
        byAggregate.set(k, {
          topic: p.topic,
          aggregateId: r.aggregateId,
          ...(r.tenant !== undefined ? { tenant: r.tenant } : {}),
          events: 1,
          oldestMs: r.timestampMs,
          newestMs: r.timestampMs,
        });
    }
    // Offsets in [mirrored, end) the index does not cover: below where it starts, or past what it read.
    const low = t.from > mirrored ? t.from : mirrored;
    if (low > mirrored) unattributed += Number((low < end ? low : end) - mirrored);
    if (end > t.readTo && end > low) unattributed += Number(end - (t.readTo > low ? t.readTo : low));
  }
  const aggregates = [...byAggregate.values()].sort(
    (a, b) => b.newestMs - a.newestMs || (a.aggregateId < b.aggregateId ? -1 : 1),
  );
  const tenants = new Map<string, { tenant: string; aggregates: number; events: number; newestMs: number }>();
  for (const a of aggregates) {
    if (a.tenant === undefined) continue;
    const t = tenants.get(a.tenant) ?? { tenant: a.tenant, aggregates: 0, events: 0, newestMs: 0 };
    t.aggregates++;
    t.events += a.events;
    t.newestMs = Math.max(t.newestMs, a.newestMs);
    tenants.set(a.tenant, t);
  }
  return {
    source: figures.source,
    target: figures.target,
    rpoRecords: figures.rpoRecords,
    attributed,
    unattributed,
    stale: figures.stale,
    aggregates,
    tenants: [...tenants.values()],
  };
}
