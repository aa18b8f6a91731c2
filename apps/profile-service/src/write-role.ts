import { Inject, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { FailoverController, Quorum, WriterLease } from '@meridian/quorum';
import type { WriteGate } from '@meridian/publisher';
import type { ProfileServiceConfig } from './config';

export const WRITE_ROLE = Symbol('WRITE_ROLE');

/** What `/health` says about writes, and what the gateway routes writes by. */
export interface WritesHealth {
  accepting: boolean;
  role: 'primary' | 'standby' | 'active';
  epoch: number;
  reason?: string;
}

/**
 * The region's write role. Phase B (no quorum configured): every write is accepted at epoch 0.
 * Phase A: a WriterLease in this region's etcd member decides, per write; the service also runs a
 * failover controller candidate when automatic failover is configured.
 */
export class WriteRole implements OnApplicationShutdown {
  constructor(
    readonly region: string,
    private readonly lease: WriterLease | undefined,
    private readonly quorum: Quorum | undefined,
    private readonly controller: FailoverController | undefined,
  ) {}

  static async create(config: ProfileServiceConfig, log: Logger, metrics: Registry): Promise<WriteRole> {
    if (!config.ETCD_ENDPOINT) return new WriteRole(config.REGION, undefined, undefined, undefined);
    const regions = config.QUORUM_REGIONS?.length ? config.QUORUM_REGIONS : [config.REGION];
    const ttlSeconds = config.LEASE_TTL_SECONDS ?? 2;
    const quorum = new Quorum({
      hosts: config.ETCD_ENDPOINT,
      namespace: config.QUORUM_NAMESPACE ?? '/meridian/default/',
      regions,
      logger: log,
    });
    const lease = new WriterLease(quorum, {
      region: config.REGION,
      instanceId: `${config.REGION}-${process.pid}`,
      ttlSeconds,
      logger: log,
      metrics,
    });
    // Not awaited: a service whose quorum is unreachable still boots, and refuses writes (503).
    void lease.start().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'lease start failed'));
    let controller: FailoverController | undefined;
    if (config.FAILOVER_ORDER?.length) {
      controller = new FailoverController(quorum, {
        region: config.REGION,
        order: config.FAILOVER_ORDER,
        failAfterMs: config.FAILOVER_AFTER_MS ?? 1000,
        electionTtlSeconds: ttlSeconds,
        logger: log,
        metrics,
      });
      controller.start();
    }
    return new WriteRole(config.REGION, lease, quorum, controller);
  }

  readonly gate = (): WriteGate => {
    if (!this.lease) return { accepting: true, epoch: 0 };
    const a = this.lease.check();
    if (!a.accepting) return { accepting: false, epoch: a.epoch, reason: a.reason };
    const deadlineMs = this.lease.deadline();
    return { accepting: true, epoch: a.epoch, ...(deadlineMs !== undefined ? { deadlineMs } : {}) };
  };

  health(): WritesHealth {
    if (!this.lease) return { accepting: true, role: 'active', epoch: 0 };
    const a = this.lease.check();
    return a.accepting
      ? { accepting: true, role: 'primary', epoch: a.epoch }
      : { accepting: false, role: a.role, epoch: a.epoch, reason: a.reason };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.controller?.stop().catch(() => undefined);
    await this.lease?.stop().catch(() => undefined);
    this.quorum?.close();
  }
}

export const InjectWriteRole = () => Inject(WRITE_ROLE);
