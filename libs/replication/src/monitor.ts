// Long on purpose: one sampling loop per region feeding the flow figures; its timing rules are easier to check side by side.
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { bootstrapServers, type Region, region, remoteTopicName, type Topology } from '@meridian/topology';
import {
  type FlowFigures,
  flowFigures,
  type FlowInput,
  mappedEnd,
  mirroredUpTo,
  type PartitionInput,
} from './figures';
import { OffsetHistory } from './history';
import { FormatError, type OffsetSync, parseHeartbeat, parseOffsetSync } from './mm2-formats';
import { recordTimestampBound } from './record-time';
import { KafkaRegionClient, type PartitionOffsets, type RegionClient } from './region-client';
import { type FlowAtRisk, flowAtRisk, TailIndex } from './at-risk';
import { TailFollower } from './tail-follower';
import { ReadApiClient } from '@meridian/read-api';

export type { FlowFigures, PartitionFigures } from './figures';

export interface MonitorOptions {
  topology: Topology;
  /** RPO target per flow, in ms: Phase A 60 000, Phase B 100. */
  rpoTargetMs: number;
  /** Where each region's projector serves `/positions` (for projection lag); optional. */
  projectorUrls?: Record<string, string>;
  /** Source topics the projectors fold (e.g. `meridian.profile`); projection lag is about these only. */
  projectedTopics?: readonly string[];
  sampleIntervalMs?: number;
  /** Heartbeats older than this when read are history, not latency. */
  heartbeatMaxAgeMs?: number;
  /** No heartbeat arrived for this long: no replication latency is reported (default 3 000). */
  heartbeatFreshMs?: number;
  /**
   * A remote copy whose end has not moved for this long gets a timestamp bound on what it holds
   * (default 1 000; see `boundStillMirrors`).
   */
  mirrorStillMs?: number;
  /** How often the timestamp of an undated backlog's oldest record is looked up again (default 5 000). */
  recordTimeRefreshMs?: number;
  /** The topic list of a region is re-read this often (default 5 000). */
  topicsRefreshMs?: number;
  /** Each region's Kafka (default: a kafkajs admin client); a test passes a fake. */
  regionClient?: (region: Region) => RegionClient;
  /**
   * Follow each region's own event topics from where its targets' copies end, to name the
   * aggregates at risk (`atRisk`). Default: on, unless `regionClient` replaces Kafka.
   */
  followTails?: boolean;
  /** Records the tail index of one source region holds at most (default 500 000). */
  tailMaxRecords?: number;
  now?: () => number;
}

interface RecordTime {
  offset: bigint;
  timestampMs: number | undefined;
  atMs: number;
}

interface RegionState {
  client: RegionClient;
  consumer: Consumer | undefined;
  reachable: boolean;
  unreachableSinceMs?: number;
  lastSampleMs?: number;
  topics: string[];
  topicsAtMs: number;
  /** `${topic}:${partition}` → end-offset history. */
  ends: Map<string, OffsetHistory>;
  /** `${topic}:${partition}` → log start offset. */
  starts: Map<string, bigint>;
  /** Offset-syncs by `${sourceRegion}|${topic}:${partition}` (flows into this region). */
  syncs: Map<string, OffsetSync>;
  /** Newest mirrored heartbeat timestamp by source region. */
  heartbeatMs: Map<string, { timestampMs: number; arrivedAtMs: number }>;
  /** Projector positions: `${topic}:${partition}` → next offset. */
  applied: Map<string, bigint>;
  /** Own partitions whose backlog predates the first sample: the oldest record's timestamp bound. */
  recordTimes: Map<string, RecordTime>;
  /** Events the region's projector saw with a writer epoch older than one it had already seen. */
  staleEpochEvents?: number;
  /** The unmirrored tail of the region's own topics (fed by `follower`). */
  tail: TailIndex;
  follower: TailFollower | undefined;
}

/** A timestamp bound of one flow partition (`boundStillMirrors`), and how long its remote copy stood still. */
interface MirrorBound {
  /** The remote copy's end when last seen, and since when it has not moved. */
  mirrorEnd: bigint;
  stillSinceMs: number;
  bound?: { offset: bigint; mirrorEnd: bigint };
  triedAtMs?: number;
}

const key = (topic: string, partition: number) => `${topic}:${partition}`;
const splitKey = (k: string) => {
  const sep = k.lastIndexOf(':');
  return { topic: k.slice(0, sep), partition: Number(k.slice(sep + 1)) };
};

/**
 * Computes, for every flow source → target and every partition of every replicated topic, the RPO
 * (acknowledged source records not yet in the target, and the age of the oldest), the drain state,
 * the projection lag and the replication latency — from Kafka offsets, record timestamps and
 * MirrorMaker 2's own offset-syncs and heartbeats. The decisions are the pure functions of
 * `figures.ts`; this class samples. When a region stops answering, its flows are marked stale and
 * keep being computed from what was last sampled of it.
 */
export class ReplicationMonitor {
  private readonly regions = new Map<string, RegionState>();
  private readonly topicFilter: RegExp;
  private readonly last = new Map<string, FlowFigures>();
  private readonly mirrorBounds = new Map<string, MirrorBound>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: MonitorOptions) {
    this.topicFilter = new RegExp(`^(?:${o.topology.mirror.topics})$`);
    this.now = o.now ?? Date.now;
    for (const r of o.topology.regions) {
      this.regions.set(r.name, {
        client: o.regionClient ? o.regionClient(r) : KafkaRegionClient.forBrokers(bootstrapServers(r)),
        consumer: undefined,
        reachable: false,
        topics: [],
        topicsAtMs: 0,
        ends: new Map(),
        starts: new Map(),
        syncs: new Map(),
        heartbeatMs: new Map(),
        applied: new Map(),
        recordTimes: new Map(),
        tail: new TailIndex(o.tailMaxRecords ?? 500_000),
        follower: undefined,
      });
    }
  }

  /** Starts sampling; offset-syncs and heartbeats are followed by one consumer per target region. */
  async start(): Promise<void> {
    await Promise.all(
      this.o.topology.regions.map(async (r) => {
        const st = this.regions.get(r.name)!;
        const kafka = new Kafka({
          clientId: 'meridian-monitor-follow',
          brokers: [bootstrapServers(r)],
          logLevel: logLevel.NOTHING,
          retry: { retries: 1000, initialRetryTime: 300, maxRetryTime: 3000 },
        });
        const consumer = kafka.consumer({
          groupId: `meridian-monitor-${r.name}-${process.pid}-${Date.now()}`,
          maxWaitTimeInMs: 50,
          metadataMaxAge: 5000,
        });
        st.consumer = consumer;
        await consumer.connect();
        await consumer.subscribe({
          topics: [/^mm2-offset-syncs\.[a-z][a-z0-9-]*\.internal$/, /^[a-z][a-z0-9-]*\.heartbeats$/],
          fromBeginning: true,
        });
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic, message }) => {
            if (!message.key || !message.value) return;
            try {
              if (topic.endsWith('.heartbeats')) {
                const source = topic.slice(0, -'.heartbeats'.length);
                // The heartbeat's own timestamp: when the source's MirrorMaker emitted it.
                const ts = parseHeartbeat(message.key, message.value).timestampMs;
                this.observeHeartbeat(r.name, source, ts, this.now());
              } else {
                const source = topic.slice('mm2-offset-syncs.'.length, -'.internal'.length);
                this.observeOffsetSync(r.name, source, parseOffsetSync(message.key, message.value));
              }
            } catch (e) {
              if (!(e instanceof FormatError)) throw e;
            }
          },
        });
      }),
    );
    const every = this.o.sampleIntervalMs ?? 100;
    const loop = async () => {
      this.ticking = this.tick().catch(() => undefined);
      await this.ticking;
      if (this.timer !== undefined) this.timer = setTimeout(() => void loop(), every);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.all(
      [...this.regions.values()].map(async (st) => {
        await st.follower?.stop();
        await st.consumer?.disconnect().catch(() => undefined);
        await st.client.reset();
      }),
    );
  }

  /** An offset-sync of flow source → target, as read from `target` (fed by the follow consumer). */
  observeOffsetSync(target: string, source: string, s: OffsetSync): void {
    this.regions.get(target)?.syncs.set(`${source}|${key(s.topic, s.partition)}`, s);
  }

  /** A mirrored heartbeat of `source` read from `target` (fed by the follow consumer). */
  observeHeartbeat(target: string, source: string, timestampMs: number, arrivedAtMs: number): void {
    const st = this.regions.get(target);
    if (!st) return;
    if (arrivedAtMs - timestampMs > (this.o.heartbeatMaxAgeMs ?? 30_000)) return; // history, not latency
    const prev = st.heartbeatMs.get(source);
    if (!prev || timestampMs >= prev.timestampMs) st.heartbeatMs.set(source, { timestampMs, arrivedAtMs });
  }

  /** One sample of every region, then the figures of every flow. */
  async tick(): Promise<void> {
    const now = this.now();
    await Promise.all([...this.regions.entries()].map(([name, st]) => this.sampleRegion(name, st, now)));
    await this.boundStillMirrors(now);
    await this.dateUndatedBacklogs(now);
    for (const f of this.o.topology.flows)
      this.last.set(`${f.from}->${f.to}`, flowFigures(this.flowInput(f.from, f.to), now));
    this.trimHistories();
    if (this.o.followTails ?? this.o.regionClient === undefined) this.followTails();
  }

  /**
   * Keeps each source region's tail index to its unmirrored records: prunes below the lowest
   * `mirroredEnd` of the partition's flows, and follows the own topics every flow out of the region
   * has figures for (so a partition starts where its targets' copies end, not at the log start).
   */
  private followTails(): void {
    for (const [source, st] of this.regions) {
      const out = this.o.topology.flows.filter((f) => f.from === source);
      if (out.length === 0) continue;
      const floors = new Map<string, bigint>();
      for (const p of this.last.get(`${source}->${out[0]!.to}`)?.partitions ?? []) {
        const m = this.floorOf(source, p.topic, p.partition);
        if (m !== undefined) floors.set(key(p.topic, p.partition), m);
      }
      for (const [k, m] of floors) {
        const { topic, partition } = splitKey(k);
        st.tail.prune(topic, partition, m);
      }
      const topics = [...new Set([...floors.keys()].map((k) => splitKey(k).topic))];
      if (!st.reachable && st.follower === undefined) continue;
      st.follower ??= new TailFollower({
        region: source,
        brokers: bootstrapServers(region(this.o.topology, source)),
        index: st.tail,
        // At join time, from the latest figures (not this tick's floors, which would go stale).
        startOf: (topic, partition) => this.floorOf(source, topic, partition),
      });
      st.follower.follow(topics);
    }
  }

  /** The lowest `mirroredEnd` of a source partition over the flows out of its region (latest figures). */
  private floorOf(source: string, topic: string, partition: number): bigint | undefined {
    let floor: bigint | undefined;
    for (const f of this.o.topology.flows.filter((x) => x.from === source)) {
      const p = this.last
        .get(`${f.from}->${f.to}`)
        ?.partitions.find((x) => x.topic === topic && x.partition === partition);
      if (!p) return undefined;
      const m = BigInt(p.mirroredEnd);
      floor = floor === undefined || m < floor ? m : floor;
    }
    return floor;
  }

  /**
   * The aggregates with acknowledged events not yet in `target`, per flow into it (RPO per
   * aggregate and tenant), from the flows' latest figures and the sources' tail indexes — which
   * still answer for a source that died. Empty flows list if the monitor does not follow tails.
   */
  atRisk(target: string): FlowAtRisk[] {
    return this.o.topology.flows
      .filter((f) => f.to === target)
      .flatMap((f) => {
        const figs = this.last.get(`${f.from}->${f.to}`);
        const st = this.regions.get(f.from);
        return figs && st ? [flowAtRisk(figs, st.tail)] : [];
      });
  }

  private async sampleRegion(name: string, st: RegionState, now: number): Promise<void> {
    try {
      if (now - st.topicsAtMs > (this.o.topicsRefreshMs ?? 5000) || st.topics.length === 0)
        await this.listTopics(st, now);
      let fetched = await this.fetchAll(st, st.topics);
      const failed = st.topics.filter((t) => !fetched.has(t));
      if (failed.length > 0) {
        // A topic deleted since the last listing (or any topic, once kafkajs has one deleted topic
        // in its metadata requests): start a fresh client, re-list, and drop what is gone; the
        // rest of the region keeps being measured. A failure that survives this is the region's.
        await st.client.reset();
        await this.listTopics(st, now);
        const retried = await this.fetchAll(
          st,
          failed.filter((t) => st.topics.includes(t)),
        );
        if (retried.size < failed.filter((t) => st.topics.includes(t)).length)
          throw new RegionUnreachable(name);
        fetched = new Map([...fetched, ...retried]);
      }
      for (const [topic, parts] of fetched) {
        if (!st.topics.includes(topic)) continue;
        for (const p of parts) {
          const k = key(topic, p.partition);
          let h = st.ends.get(k);
          if (!h) st.ends.set(k, (h = new OffsetHistory()));
          h.observe(p.high, now);
          st.starts.set(k, p.low);
        }
      }
      st.reachable = true;
      st.lastSampleMs = now;
      delete st.unreachableSinceMs;
    } catch {
      if (st.reachable || st.unreachableSinceMs === undefined) st.unreachableSinceMs = now;
      st.reachable = false;
      await st.client.reset();
    }
    const url = this.o.projectorUrls?.[name];
    if (url) {
      try {
        const body = await new ReadApiClient(url, { timeoutMs: 500 }).positions();
        for (const p of body.positions) st.applied.set(key(p.topic, p.partition), BigInt(p.nextOffset));
        if (body.writerEpochs) st.staleEpochEvents = body.writerEpochs.stale;
      } catch {
        // Keep the last positions: projection lag then grows with the mirror, which is the truth.
      }
    }
  }

  /** Re-reads the region's topics; a topic no longer listed (deleted) leaves every figure. */
  private async listTopics(st: RegionState, now: number): Promise<void> {
    const all = await st.client.listTopics();
    // Own replicated topics, and one-hop mirrored copies of other regions' topics.
    st.topics = all.filter((t) => this.topicFilter.test(t) || this.isMirrored(t));
    st.topicsAtMs = now;
    const listed = new Set(st.topics);
    for (const k of [...st.ends.keys()]) {
      if (listed.has(splitKey(k).topic)) continue;
      st.tail.forget(splitKey(k).topic);
      st.ends.delete(k);
      st.starts.delete(k);
      st.recordTimes.delete(k);
    }
    // Bounds of flows out of this region whose source partition is gone.
    for (const id of [...this.mirrorBounds.keys()]) {
      const fromRegion = this.regions.get(id.slice(0, id.indexOf('>')));
      if (fromRegion === st && !st.ends.has(id.slice(id.indexOf('|') + 1))) this.mirrorBounds.delete(id);
    }
  }

  private async fetchAll(st: RegionState, topics: string[]): Promise<Map<string, PartitionOffsets[]>> {
    const settled = await Promise.allSettled(topics.map((t) => st.client.fetchOffsets(t)));
    const out = new Map<string, PartitionOffsets[]>();
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') out.set(topics[i]!, r.value);
    });
    return out;
  }

  private isMirrored(topic: string): boolean {
    const dot = topic.indexOf('.');
    if (dot < 0) return false;
    const prefix = topic.slice(0, dot);
    return this.regions.has(prefix) && this.topicFilter.test(topic.slice(dot + 1));
  }

  /** The source's own replicated partitions, as the pure figures take them for flow source → target. */
  private flowInput(source: string, target: string): FlowInput {
    const src = this.regions.get(source)!;
    const dst = this.regions.get(target)!;
    const partitions: PartitionInput[] = [];
    for (const [k, hist] of src.ends) {
      const { topic, partition } = splitKey(k);
      if (!this.topicFilter.test(topic)) continue; // only the source's own topics flow out
      const remote = key(remoteTopicName(source, topic), partition);
      const downHist = dst.ends.get(remote);
      const sync = dst.syncs.get(`${source}|${k}`);
      const rt = src.recordTimes.get(k);
      const bound = this.mirrorBounds.get(`${source}>${target}|${k}`)?.bound;
      const projected =
        this.o.projectorUrls?.[target] !== undefined &&
        downHist !== undefined &&
        (this.o.projectedTopics ?? []).includes(topic);
      partitions.push({
        topic,
        partition,
        source: hist,
        sourceStart: src.starts.get(k) ?? 0n,
        ...(downHist ? { mirrorEnd: downHist.end } : {}),
        ...(sync ? { sync } : {}),
        ...(rt?.timestampMs !== undefined
          ? { recordTime: { offset: rt.offset, timestampMs: rt.timestampMs } }
          : {}),
        ...(projected ? { projection: { applied: dst.applied.get(remote) ?? 0n, mirror: downHist } } : {}),
        ...(bound ? { timestampBound: bound } : {}),
      });
    }
    return {
      source,
      target,
      rpoTargetMs: this.o.rpoTargetMs,
      sourceRegion: src,
      targetRegion: dst,
      partitions,
      ...(dst.heartbeatMs.get(source) ? { heartbeat: dst.heartbeatMs.get(source)! } : {}),
      heartbeatFreshMs: this.o.heartbeatFreshMs ?? 3000,
    };
  }

  /**
   * For a remote copy that has stood still for `mirrorStillMs` (MirrorMaker 2 down, or a quiet
   * flow): the newest record timestamp D of the copy (ListOffsets by timestamp, `record-time.ts`),
   * then the source's first offset with a timestamp > D. MirrorMaker 2 copies records with their
   * timestamps and origin topics use LogAppendTime (non-decreasing per partition), so every source
   * record from there on is certainly not in the copy — however many duplicates of older records an
   * earlier restart left in it (they carry old timestamps). If the copy's timestamps were later than
   * the source's, the bound is only weaker (higher), never lower than the truth. Records sharing D's
   * millisecond count as mirrored: the bound can miss those, and the count still applies.
   */
  private async boundStillMirrors(now: number): Promise<void> {
    const stillMs = this.o.mirrorStillMs ?? 1000;
    const every = this.o.recordTimeRefreshMs ?? 5000;
    const jobs: Promise<void>[] = [];
    for (const f of this.o.topology.flows) {
      const src = this.regions.get(f.from)!;
      const dst = this.regions.get(f.to)!;
      if (!src.reachable || !dst.reachable) continue;
      for (const p of this.flowInput(f.from, f.to).partitions) {
        if (p.mirrorEnd === undefined) continue;
        const id = `${f.from}>${f.to}|${key(p.topic, p.partition)}`;
        let mb = this.mirrorBounds.get(id);
        if (!mb || mb.mirrorEnd !== p.mirrorEnd) {
          // A new still period: the last bound stays for the figures' check (it no longer applies).
          mb = { mirrorEnd: p.mirrorEnd, stillSinceMs: now, ...(mb?.bound ? { bound: mb.bound } : {}) };
          this.mirrorBounds.set(id, mb);
        }
        // First sight of a copy (a monitor just started, perhaps during an outage): bound it at once,
        // or its first figures would count the duplicates. Later, only a copy standing still.
        if (p.mirrorEnd === 0n || (mb.bound !== undefined && now - mb.stillSinceMs < stillMs)) continue;
        // While the copy stands still its newest timestamp D is fixed, and so is the source's first
        // offset after D (later source records only get later append times): one lookup per still
        // period. A failed lookup (no timestamps, unreachable) is tried again after `every`.
        if (mb.bound?.mirrorEnd === p.mirrorEnd) continue;
        if (mb.triedAtMs !== undefined && now - mb.triedAtMs < every) continue;
        mb.triedAtMs = now;
        const entry = mb;
        const end = p.mirrorEnd;
        const remote = remoteTopicName(f.from, p.topic);
        jobs.push(
          (async () => {
            const newest = await recordTimestampBound(
              (ts) => dst.client.offsetAtTimestamp(remote, p.partition, ts),
              end - 1n,
              { notAfterMs: now },
            );
            if (newest === undefined) return;
            const offset = await src.client.offsetAtTimestamp(p.topic, p.partition, newest + 1);
            entry.bound = { offset, mirrorEnd: end };
          })().catch(() => undefined),
        );
      }
    }
    await Promise.all(jobs);
  }

  /**
   * A backlog already in the log at the monitor's first sample cannot be dated by sampling: look up
   * its oldest record's timestamp in the source (ListOffsets by timestamp, `record-time.ts`), for the
   * lowest unmirrored offset over the source's flows, again every `recordTimeRefreshMs` while it drains.
   */
  private async dateUndatedBacklogs(now: number): Promise<void> {
    const wanted = new Map<string, { region: RegionState; k: string; offset: bigint }>();
    for (const f of this.o.topology.flows) {
      const src = this.regions.get(f.from)!;
      if (!src.reachable) continue;
      for (const p of this.flowInput(f.from, f.to).partitions) {
        const m = mirroredUpTo(p);
        if (m >= p.source.end || !p.source.isUndated(m)) continue;
        const id = `${f.from}|${key(p.topic, p.partition)}`;
        const w = wanted.get(id);
        if (!w || m < w.offset) wanted.set(id, { region: src, k: key(p.topic, p.partition), offset: m });
      }
    }
    const every = this.o.recordTimeRefreshMs ?? 5000;
    await Promise.all(
      [...wanted.values()].map(async ({ region, k, offset }) => {
        const have = region.recordTimes.get(k);
        // A bound for a lower offset is still a safe (older) bound for a higher one.
        if (have && have.offset <= offset && now - have.atMs < every) return;
        const { topic, partition } = splitKey(k);
        const hist = region.ends.get(k)!;
        const timestampMs = await recordTimestampBound(
          (ts) => region.client.offsetAtTimestamp(topic, partition, ts),
          offset,
          { notAfterMs: hist.startedMs },
        ).catch(() => undefined);
        region.recordTimes.set(k, { offset, timestampMs, atMs: now });
      }),
    );
  }

  /**
   * Forgets history below what MM2's mapping proves mirrored into every target of a source (which
   * never exceeds the truth), so the bounded history keeps its resolution for the live backlog.
   */
  private trimHistories(): void {
    for (const [source, src] of this.regions) {
      const targets = this.o.topology.flows.filter((f) => f.from === source).map((f) => f.to);
      if (targets.length === 0) continue;
      for (const [k, hist] of src.ends) {
        const { topic, partition } = splitKey(k);
        if (!this.topicFilter.test(topic)) continue;
        let floor: bigint | undefined;
        for (const t of targets) {
          const dst = this.regions.get(t)!;
          const m = mappedEnd(
            dst.ends.get(key(remoteTopicName(source, topic), partition))?.end,
            dst.syncs.get(`${source}|${k}`),
          );
          floor = floor === undefined || m < floor ? m : floor;
        }
        if (floor !== undefined && floor > 0n) hist.trimBelow(floor);
      }
    }
  }

  /** Per region, events its projector saw carrying a stale writer epoch (Phase A fencing evidence). */
  staleEpochEvents(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, st] of this.regions)
      if (st.staleEpochEvents !== undefined) out[name] = st.staleEpochEvents;
    return out;
  }

  /** The topology's region names. */
  regionNames(): string[] {
    return [...this.regions.keys()];
  }

  /** The latest figures of every flow (stale ones included, with their age). */
  flows(): FlowFigures[] {
    return this.o.topology.flows.flatMap((f) => {
      const x = this.last.get(`${f.from}->${f.to}`);
      return x ? [x] : [];
    });
  }
}

/** Internal: a region's sample failed as a whole (caught in `sampleRegion`). */
class RegionUnreachable extends Error {
  override readonly name = 'RegionUnreachable';
  constructor(readonly region: string) {
    super(`${region}: topics still listed could not be sampled`);
  }
}
