import { z } from 'zod';

const regionName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*$/,
    'a region name is lower-case letters, digits and dashes (it prefixes topic names)',
  );
const port = z.number().int().min(1024).max(65535);

export const RegionSchema = z.object({
  name: regionName,
  kafka: z.object({
    port,
    controllerPort: port,
    /** Broker JVM heap; small on purpose: three regions share 2 cores. */
    heapMb: z.number().int().min(128).default(512),
    partitions: z.number().int().min(1).default(3),
  }),
  /** The region's schema registry (Apicurio, Confluent-compatible API); optional. */
  registry: z
    .object({
      port,
      heapMb: z.number().int().min(128).default(256),
    })
    .optional(),
  /** The region's profile-service (HTTP), started by `meridian local up`; optional. */
  profileService: z.object({ port }).optional(),
  /** The region's projector (read API over HTTP), started by `meridian local up`; optional. */
  projector: z.object({ port }).optional(),
  /** The region's member of the global etcd quorum (leases, epochs, failover state); optional. */
  etcd: z.object({ clientPort: port, peerPort: port }).optional(),
  /**
   * First of the ports (50 from here) on which the WAN proxies into this region listen; required
   * when the topology has a `wan`. Layout in `wan.ts`.
   */
  wanPortBase: port.optional(),
});

export const FlowSchema = z.object({ from: regionName, to: regionName });

export const MirrorSchema = z
  .object({
    /** Regex (Java syntax, whole-name match) of the local topics each region mirrors out. */
    topics: z.string().default('meridian\\..*'),
    heapMb: z.number().int().min(128).default(448),
    /** How soon a topic created after start is picked up (MM2 default: 600 s). */
    refreshTopicsIntervalSeconds: z.number().int().min(1).default(5),
    heartbeatsIntervalSeconds: z.number().int().min(1).default(1),
    checkpointsIntervalSeconds: z.number().int().min(1).default(5),
    /**
     * Offset-sync granularity: an offset-sync is written when mirrored offsets drift by more; below
     * it MM2 holds the sync until its next offset flush. 0 (here): a sync for every mirrored record
     * (coalesced per partition while ten are in flight), so the mapping is exact and a remote-
     * durability write is confirmed as soon as its copy is acknowledged, not at the next flush. The
     * cost: one ~40-byte record in the target per mirrored record. MM2's default is 100.
     */
    offsetLagMax: z.number().int().min(0).default(0),
    /** Latency knobs: Kafka 4 raised producer linger.ms to 5; the mirror wants it at 0. */
    producerLingerMs: z.number().int().min(0).default(0),
    consumerFetchMaxWaitMs: z.number().int().min(1).default(100),
    /**
     * Where a flow's MirrorMaker 2 runs. `target` (MM2's advice): in the target region, consuming
     * across the WAN and producing locally. `source`: in the source region, consuming locally and
     * producing across the WAN (several produce requests in flight instead of one fetch). The
     * trade-offs, measured: docs/INTERNALS.md "Where the mirror runs". `MERIDIAN_MIRROR_PLACEMENT`
     * overrides it at load.
     */
    placement: z.enum(['target', 'source']).default('target'),
  })
  .default({
    topics: 'meridian\\..*',
    heapMb: 448,
    refreshTopicsIntervalSeconds: 5,
    heartbeatsIntervalSeconds: 1,
    checkpointsIntervalSeconds: 5,
    offsetLagMax: 0,
    producerLingerMs: 0,
    consumerFetchMaxWaitMs: 100,
    placement: 'target',
  });

/**
 * The WAN between regions: every cross-region connection goes through a fault-injecting proxy per
 * directed region pair (see `wan.ts` for the ports), controlled over HTTP on `controlPort`.
 */
export const WanSchema = z.object({
  /** One-way added latency per chunk, each direction of a connection. */
  delayMs: z.number().int().min(0).default(40),
  jitterMs: z.number().int().min(0).default(5),
  /** Per connection and direction; 0 = uncapped. */
  bandwidthBytesPerSec: z.number().int().min(0).default(0),
  controlPort: port,
});

/** Phase A (active-passive): who may write, and how a dead primary is replaced. */
export const FailoverSchema = z.object({
  /** The region that is write-primary when the quorum is first set up. */
  primary: regionName,
  /** `automatic`: a controller promotes a standby once the primary has failed for failAfterMs. */
  mode: z.enum(['automatic', 'manual']).default('automatic'),
  /** TTL of every publisher's etcd lease: a cut-off primary stops accepting writes within it. */
  leaseTtlSeconds: z.number().int().min(1).max(60).default(2),
  /** How long the primary must be without a live publisher before the controller promotes. */
  failAfterMs: z.number().int().min(0).default(1000),
  /** Standbys in order of preference; default: topology order. */
  order: z.array(regionName).optional(),
});

/**
 * A team's own service, started per region beside Meridian's by `meridian local up`: a Node script
 * (built on the public packages) given the region's Kafka, registry, projector and WAN targets.
 */
export const ServiceSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a service name is lower-case letters, digits and dashes'),
  /** The built entry point, relative to the repository root, e.g. `dist/apps/inventory-service/src/main.js`. */
  script: z.string().min(1),
  /** The regions it runs in, and its HTTP port in each. */
  regions: z.record(regionName, z.object({ port })),
});

export const TopologySchema = z.object({
  name: z.string().min(1),
  /**
   * The aggregate models this topology's projectors, replays and monitor serve: built-in names
   * (`profile`) or module paths relative to the repository root (a module exporting `model`, the
   * result of `defineAggregate`). Adding a type needs no change to Meridian's code.
   */
  models: z.array(z.string().min(1)).min(1).default(['profile']),
  services: z.array(ServiceSchema).default([]),
  /** RPO target of every flow (Phase A: 60 000 ms; Phase B: 100 ms); the monitor flags breaches. */
  rpoTargetMs: z.number().int().min(1).default(60_000),
  /** The global replication monitor (HTTP); optional. */
  monitor: z.object({ port }).optional(),
  regions: z.array(RegionSchema).min(1),
  flows: z.array(FlowSchema).default([]),
  mirror: MirrorSchema,
  wan: WanSchema.optional(),
  failover: FailoverSchema.optional(),
  /** The global router clients talk to (one process; it reaches the regions over the WAN). */
  gateway: z.object({ port, region: regionName }).optional(),
  /**
   * Prometheus (Debian `prometheus`), scraping every Meridian process of the topology, with the
   * alert rules derived from it (`renderPrometheusConfig`, `renderAlertRules`); optional.
   */
  prometheus: z
    .object({
      port,
      scrapeIntervalSeconds: z.number().int().min(1).max(60).default(2),
      /** The availability objective the burn-rate alerts defend (the roadmap's 99.99 %). */
      sloAvailability: z.number().gt(0).lt(1).default(0.9999),
      /** Projection lag (records) above which a projector counts as behind. */
      projectionLagRecords: z.number().int().min(1).default(10_000),
    })
    .optional(),
  /**
   * Distributed tracing: a Zipkin server (Maven Central, in-memory storage) receiving the spans of
   * every service, projector and the gateway; optional (absent: tracing off everywhere).
   */
  tracing: z
    .object({
      zipkin: z.object({ port }),
      /** Share of new traces recorded; a request with a sampled `traceparent` is always recorded. */
      sampleRatio: z.number().min(0).max(1).default(0.01),
    })
    .optional(),
});

export type Region = z.infer<typeof RegionSchema>;
export type ServiceApp = z.infer<typeof ServiceSchema>;
export type Flow = z.infer<typeof FlowSchema>;
export type MirrorSettings = z.infer<typeof MirrorSchema>;
export type MirrorPlacement = MirrorSettings['placement'];
export type Topology = z.infer<typeof TopologySchema>;
export type WanSettings = z.infer<typeof WanSchema>;
export type FailoverSettings = z.infer<typeof FailoverSchema>;
export type TracingSettings = NonNullable<Topology['tracing']>;
