import { type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import { bootstrapServers, remoteTopicName, type Topology } from '@meridian/topology';
import { OffsetHistory } from './history';
import { FormatError, type OffsetSync, parseHeartbeat, parseOffsetSync } from './mm2-formats';

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
  now?: () => number;
}

export interface PartitionFigures {
  topic: string;
  partition: number;
  /** Source log-end offset (acknowledged records; replication factor 1 here: HW = LEO). */
  sourceEnd: string;
  /** Next source offset not yet present in the target (from MM2's offset-syncs + the mirror's end). */
  mirroredEnd: string;
  rpoRecords: number;
  rpoMs: number;
  /** Mirrored into the target but not yet applied by its projector. */
  projectionLagRecords?: number;
  projectionLagMs?: number;
}

export interface FlowFigures {
  source: string;
  target: string;
  rpoRecords: number;
  rpoMs: number;
  rpoTargetMs: number;
  withinTarget: boolean;
  projectionLagRecords?: number;
  projectionLagMs?: number;
  /** Now minus the timestamp of the newest mirrored heartbeat of `source` that reached `target`. */
  replicationLatencyMs?: number;
  /** The source (or target) region did not answer: these are the last known figures. */
  stale: boolean;
  staleForMs?: number;
  updatedAtMs: number;
  partitions: PartitionFigures[];
}

interface RegionState {
  admin: Admin;
  consumer: Consumer | undefined;
  reachable: boolean;
  unreachableSinceMs?: number;
  topics: string[];
  topicsAtMs: number;
  /** `${topic}:${partition}` → end-offset history. */
  ends: Map<string, OffsetHistory>;
  /** Offset-syncs by `${sourceRegion}|${topic}:${partition}` (flows into this region). */
  syncs: Map<string, OffsetSync>;
  /** Newest mirrored heartbeat timestamp by source region. */
  heartbeatMs: Map<string, { timestampMs: number; arrivedAtMs: number }>;
  /** Projector positions: `${topic}:${partition}` → next offset. */
  applied: Map<string, bigint>;
  /** Events the region's projector saw with a writer epoch older than one it had already seen. */
  staleEpochEvents?: number;
}

const key = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Computes, for every flow source → target and every partition of every replicated topic, the RPO
 * (acknowledged source records not yet in the target, and the age of the oldest), the projection lag
 * and the replication latency — from Kafka offsets and MirrorMaker 2's own offset-syncs and
 * heartbeats. When a region stops answering, its flows keep their last figures, marked stale.
 */
export class ReplicationMonitor {
  private readonly regions = new Map<string, RegionState>();
  private readonly topicFilter: RegExp;
  private readonly last = new Map<string, FlowFigures>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: MonitorOptions) {
    this.topicFilter = new RegExp(`^(?:${o.topology.mirror.topics})$`);
    this.now = o.now ?? Date.now;
    for (const r of o.topology.regions) {
      const kafka = new Kafka({
        clientId: `meridian-monitor`,
        brokers: [bootstrapServers(r)],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 500,
        requestTimeout: 2000,
        retry: { retries: 0 },
      });
      this.regions.set(r.name, {
        admin: kafka.admin(),
        consumer: undefined,
        reachable: false,
        topics: [],
        topicsAtMs: 0,
        ends: new Map(),
        syncs: new Map(),
        heartbeatMs: new Map(),
        applied: new Map(),
      });
    }
  }

  /** Starts sampling; offset-syncs and heartbeats are followed by one consumer per target region. */
  async start(): Promise<void> {
    await Promise.all(
      this.o.topology.regions.map(async (r) => {
        const st = this.regions.get(r.name)!;
        await st.admin.connect().catch(() => undefined);
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
                const arrived = this.now();
                if (arrived - ts > (this.o.heartbeatMaxAgeMs ?? 30_000)) return; // history, not latency
                const prev = st.heartbeatMs.get(source);
                if (!prev || ts >= prev.timestampMs)
                  st.heartbeatMs.set(source, { timestampMs: ts, arrivedAtMs: arrived });
              } else {
                const source = topic.slice('mm2-offset-syncs.'.length, -'.internal'.length);
                const s = parseOffsetSync(message.key, message.value);
                st.syncs.set(`${source}|${key(s.topic, s.partition)}`, s);
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
        await st.consumer?.disconnect().catch(() => undefined);
        await st.admin.disconnect().catch(() => undefined);
      }),
    );
  }

  /** One sample of every region, then the figures of every flow. */
  async tick(): Promise<void> {
    const now = this.now();
    await Promise.all([...this.regions.entries()].map(([name, st]) => this.sampleRegion(name, st, now)));
    for (const f of this.o.topology.flows) this.computeFlow(f.from, f.to, now);
  }

  private async sampleRegion(name: string, st: RegionState, now: number): Promise<void> {
    try {
      if (now - st.topicsAtMs > 5000 || st.topics.length === 0) {
        const all = await st.admin.listTopics();
        // Own replicated topics, and one-hop mirrored copies of other regions' topics.
        st.topics = all.filter((t) => this.topicFilter.test(t) || this.isMirrored(t));
        st.topicsAtMs = now;
      }
      const offsets = await Promise.all(
        st.topics.map(async (t) => [t, await st.admin.fetchTopicOffsets(t)] as const),
      );
      for (const [topic, parts] of offsets) {
        for (const p of parts) {
          const k = key(topic, p.partition);
          let h = st.ends.get(k);
          if (!h) st.ends.set(k, (h = new OffsetHistory()));
          h.observe(BigInt(p.high), now);
        }
      }
      st.reachable = true;
      delete st.unreachableSinceMs;
    } catch {
      if (st.reachable || st.unreachableSinceMs === undefined) st.unreachableSinceMs = now;
      st.reachable = false;
      await st.admin.disconnect().catch(() => undefined);
      await st.admin.connect().catch(() => undefined);
    }
    const url = this.o.projectorUrls?.[name];
    if (url) {
      try {
        const res = await fetch(`${url}/positions`, { signal: AbortSignal.timeout(500) });
        const body = (await res.json()) as {
          positions: { topic: string; partition: number; nextOffset: string }[];
          writerEpochs?: { stale: number };
        };
        for (const p of body.positions) st.applied.set(key(p.topic, p.partition), BigInt(p.nextOffset));
        if (body.writerEpochs) st.staleEpochEvents = body.writerEpochs.stale;
      } catch {
        // Keep the last positions: projection lag then grows with the mirror, which is the truth.
      }
    }
  }

  private isMirrored(topic: string): boolean {
    const dot = topic.indexOf('.');
    if (dot < 0) return false;
    const prefix = topic.slice(0, dot);
    return this.regions.has(prefix) && this.topicFilter.test(topic.slice(dot + 1));
  }

  private computeFlow(source: string, target: string, now: number): void {
    const src = this.regions.get(source)!;
    const dst = this.regions.get(target)!;
    const id = `${source}->${target}`;
    const prev = this.last.get(id);
    if (!src.reachable || !dst.reachable) {
      if (prev) {
        const since = (!src.reachable ? src.unreachableSinceMs : dst.unreachableSinceMs) ?? now;
        this.last.set(id, { ...prev, stale: true, staleForMs: now - since });
      }
      return;
    }
    const partitions: PartitionFigures[] = [];
    for (const [k, hist] of src.ends) {
      const sep = k.lastIndexOf(':');
      const topic = k.slice(0, sep);
      if (!this.topicFilter.test(topic)) continue; // only the source's own topics flow out
      const partition = Number(k.slice(sep + 1));
      const sourceEnd = hist.end;
      const remote = remoteTopicName(source, topic);
      const downHist = dst.ends.get(key(remote, partition));
      const downEnd = downHist?.end ?? 0n;
      const sync = dst.syncs.get(`${source}|${k}`);
      // Exact mapping: the last offset-sync pins (upstream u ↔ downstream d); records after it were
      // appended in order, one downstream offset each, so the mirror holds upstream offsets up to
      // u + (downEnd − 1 − d). Without a sync yet, the mirror started at the source's first offset.
      let mirrored = sync ? sync.upstreamOffset + 1n + (downEnd - sync.downstreamOffset - 1n) : downEnd;
      if (mirrored > sourceEnd) mirrored = sourceEnd;
      if (mirrored < 0n) mirrored = 0n;
      const rpoRecords = Number(sourceEnd - mirrored);
      const oldest = rpoRecords > 0 ? hist.firstSeen(mirrored) : undefined;
      const fig: PartitionFigures = {
        topic,
        partition,
        sourceEnd: sourceEnd.toString(),
        mirroredEnd: mirrored.toString(),
        rpoRecords,
        rpoMs: oldest === undefined ? 0 : now - oldest,
      };
      const applied = dst.applied.get(key(remote, partition));
      if (this.o.projectorUrls?.[target] && downHist && (this.o.projectedTopics ?? []).includes(topic)) {
        const next = applied ?? 0n;
        const lag = downEnd > next ? Number(downEnd - next) : 0;
        const since = lag > 0 ? downHist.firstSeen(next) : undefined;
        fig.projectionLagRecords = lag;
        fig.projectionLagMs = since === undefined ? 0 : now - since;
      }
      partitions.push(fig);
    }
    partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    const rpoRecords = partitions.reduce((s, p) => s + p.rpoRecords, 0);
    const rpoMs = partitions.reduce((m, p) => Math.max(m, p.rpoMs), 0);
    const hb = dst.heartbeatMs.get(source);
    const lagged = partitions.filter((p) => p.projectionLagRecords !== undefined);
    const figures: FlowFigures = {
      source,
      target,
      rpoRecords,
      rpoMs,
      rpoTargetMs: this.o.rpoTargetMs,
      withinTarget: rpoMs <= this.o.rpoTargetMs,
      ...(lagged.length > 0
        ? {
            projectionLagRecords: lagged.reduce((s, p) => s + (p.projectionLagRecords ?? 0), 0),
            projectionLagMs: lagged.reduce((m, p) => Math.max(m, p.projectionLagMs ?? 0), 0),
          }
        : {}),
      ...(hb ? { replicationLatencyMs: hb.arrivedAtMs - hb.timestampMs } : {}),
      stale: false,
      updatedAtMs: now,
      partitions,
    };
    this.last.set(id, figures);
  }

  /** The latest figures of every flow (stale ones included, with their age). */
  /** Per region, events its projector saw carrying a stale writer epoch (Phase A fencing evidence). */
  staleEpochEvents(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, st] of this.regions)
      if (st.staleEpochEvents !== undefined) out[name] = st.staleEpochEvents;
    return out;
  }

  flows(): FlowFigures[] {
    return this.o.topology.flows.flatMap((f) => {
      const x = this.last.get(`${f.from}->${f.to}`);
      return x ? [x] : [];
    });
  }
}
