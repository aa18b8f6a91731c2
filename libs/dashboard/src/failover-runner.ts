import { randomUUID, timingSafeEqual } from 'node:crypto';
import { MeridianError } from '@meridian/errors';
import { failover, type FailoverReport, type FailoverStepEvent, type Quorum } from '@meridian/quorum';
import { drainVerdict, type FlowFigures } from '@meridian/replication';
import type { Topology } from '@meridian/topology';

export type DashboardErrorCode =
  'UNAUTHORISED' | 'FAILOVER_DISABLED' | 'INVALID_REQUEST' | 'FAILOVER_RUNNING' | 'NOT_FOUND';

/** A refused dashboard action; `httpStatus` is what the API answers. */
export class DashboardError extends MeridianError<DashboardErrorCode> {
  get httpStatus(): number {
    return {
      UNAUTHORISED: 401,
      FAILOVER_DISABLED: 403,
      INVALID_REQUEST: 400,
      FAILOVER_RUNNING: 409,
      NOT_FOUND: 404,
    }[this.code];
  }
}

export interface FailoverRun {
  id: string;
  to: string;
  by: string;
  startedAtMs: number;
  state: 'running' | 'done' | 'failed';
  /** Every step event as it happened, with when. */
  steps: (FailoverStepEvent & { atMs: number })[];
  report?: FailoverReport;
  error?: string;
}

export interface FailoverRunnerOptions {
  topology: Topology;
  quorum: Quorum;
  /** The monitor's flows: the old primary is drained when MirrorMaker 2's mapping covers it. */
  flows: () => FlowFigures[];
  /** The operator token (`DASHBOARD_OPERATOR_TOKEN`); without one the dashboard cannot fail over. */
  operatorToken?: string;
  drainTimeoutMs?: number;
}

/** Runs an operator's failover from the dashboard: authorised, confirmed, one at a time, observable. */
export class FailoverRunner {
  private readonly runs = new Map<string, FailoverRun>();
  private running: FailoverRun | undefined;

  constructor(private readonly o: FailoverRunnerOptions) {}

  /** Throws unless `authorization` is `Bearer <the operator token>`. */
  authorise(authorization: string | undefined): void {
    const token = this.o.operatorToken;
    if (!token)
      throw new DashboardError(
        'FAILOVER_DISABLED',
        'failover from the dashboard is disabled: the monitor was started without DASHBOARD_OPERATOR_TOKEN',
      );
    const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b))
      throw new DashboardError(
        'UNAUTHORISED',
        'authorization: an operator token is required (Bearer <token>)',
      );
  }

  /** Starts a failover to `to`; `confirm` must repeat the region (the page asks the operator to type it). */
  start(body: { to?: unknown; confirm?: unknown; operator?: unknown; reason?: unknown }): FailoverRun {
    const regions = this.o.topology.regions.map((r) => r.name);
    const to = typeof body.to === 'string' ? body.to : '';
    if (!regions.includes(to))
      throw new DashboardError(
        'INVALID_REQUEST',
        `to: one of ${regions.join(', ')}, not ${JSON.stringify(body.to)}`,
      );
    if (body.confirm !== to)
      throw new DashboardError(
        'INVALID_REQUEST',
        `confirm: type the region's name (${to}) to confirm the failover`,
      );
    const operator = typeof body.operator === 'string' ? body.operator.trim() : '';
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(operator))
      throw new DashboardError(
        'INVALID_REQUEST',
        'operator: your name (1-64 of A-Z a-z 0-9 . _ @ -), recorded in the designation',
      );
    if (this.running)
      throw new DashboardError(
        'FAILOVER_RUNNING',
        `a failover to ${this.running.to} is running (${this.running.id})`,
      );
    const run: FailoverRun = {
      id: randomUUID(),
      to,
      by: `operator:${operator}`,
      startedAtMs: Date.now(),
      state: 'running',
      steps: [],
    };
    this.runs.set(run.id, run);
    this.running = run;
    const reason =
      typeof body.reason === 'string' && body.reason.length > 0
        ? body.reason.slice(0, 200)
        : 'failover from the dashboard';
    void failover(this.o.quorum, {
      to,
      by: run.by,
      reason,
      ttlSeconds: this.o.topology.failover?.leaseTtlSeconds ?? 2,
      drained: async (from) => {
        const f = this.o.flows().find((x) => x.source === from && x.target === to);
        return f ? drainVerdict(f) : { drained: false, detail: `no flow ${from} → ${to} in the topology` };
      },
      drainTimeoutMs: this.o.drainTimeoutMs ?? 60_000,
      onStep: (e) => run.steps.push({ ...e, atMs: Date.now() }),
    })
      .then(
        (report) => {
          run.report = report;
          run.state = 'done';
        },
        (e: unknown) => {
          run.error = (e as Error).message;
          run.state = 'failed';
        },
      )
      .finally(() => {
        if (this.running === run) this.running = undefined;
      });
    return run;
  }

  get(id: string): FailoverRun {
    const run = this.runs.get(id);
    if (!run) throw new DashboardError('NOT_FOUND', `no failover ${id}`);
    return run;
  }
}
