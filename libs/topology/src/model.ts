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
    /** Offset-sync granularity: an offset-sync is written when mirrored offsets drift by more. */
    offsetLagMax: z.number().int().min(0).default(100),
    /** Latency knobs: Kafka 4 raised producer linger.ms to 5; the mirror wants it at 0. */
    producerLingerMs: z.number().int().min(0).default(0),
    consumerFetchMaxWaitMs: z.number().int().min(1).default(100),
  })
  .default({
    topics: 'meridian\\..*',
    heapMb: 448,
    refreshTopicsIntervalSeconds: 5,
    heartbeatsIntervalSeconds: 1,
    checkpointsIntervalSeconds: 5,
    offsetLagMax: 100,
    producerLingerMs: 0,
    consumerFetchMaxWaitMs: 100,
  });

export const TopologySchema = z.object({
  name: z.string().min(1),
  /** RPO target of every flow (Phase A: 60 000 ms; Phase B: 100 ms); the monitor flags breaches. */
  rpoTargetMs: z.number().int().min(1).default(60_000),
  /** The global replication monitor (HTTP); optional. */
  monitor: z.object({ port }).optional(),
  regions: z.array(RegionSchema).min(1),
  flows: z.array(FlowSchema).default([]),
  mirror: MirrorSchema,
});

export type Region = z.infer<typeof RegionSchema>;
export type Flow = z.infer<typeof FlowSchema>;
export type MirrorSettings = z.infer<typeof MirrorSchema>;
export type Topology = z.infer<typeof TopologySchema>;
