import { Command } from 'commander';
import Table from 'cli-table3';
import { LocalPaths, LocalStack } from '@meridian/local';
import { failover, type DrainResult, type FailoverReport, readDesignation } from '@meridian/quorum';
import type { FlowFigures } from '@meridian/replication';
import { loadTopology, type Topology, findRepoRoot } from '@meridian/topology';
import { withQuorum } from './quorum';
import { UsageError } from './errors';

function runningTopology(name?: string): Topology {
  const paths = new LocalPaths(findRepoRoot());
  const t = name
    ? loadTopology(name, paths.repoRoot)
    : new LocalStack(paths, { info: () => {}, warn: () => {} }).currentTopology();
  if (!t) throw new UsageError('no topology is up: give --topology');
  if (!t.failover)
    throw new UsageError(`topology ${t.name} has no failover section (Phase B: every region writes)`);
  return t;
}

/**
 * Drained when MirrorMaker 2's offset mapping (its offset-syncs) covers every record `from`
 * acknowledged, on a fresh flow: never on record counts, which MM2's duplicates after a restart
 * inflate. When `from` is unreachable its figures are what would be lost: reported, never hidden.
 */
function drainCheck(t: Topology, to: string) {
  return async (from: string): Promise<DrainResult> => {
    if (!t.monitor) return { drained: false, detail: 'no replication monitor in this topology: cannot tell' };
    try {
      const res = await fetch(`http://127.0.0.1:${t.monitor.port}/rpo`, {
        signal: AbortSignal.timeout(2000),
      });
      const flow = ((await res.json()) as { flows: FlowFigures[] }).flows.find(
        (f) => f.source === from && f.target === to,
      );
      if (!flow) return { drained: false, detail: `no flow ${from} → ${to} in the topology` };
      // Loaded when a failover drains, not for `--status` (it brings Kafka clients along).
      const { drainVerdict } = await import('@meridian/replication');
      return drainVerdict(flow);
    } catch (e) {
      return { drained: false, detail: `replication monitor unreachable (${(e as Error).message})` };
    }
  };
}

function printReport(r: FailoverReport): void {
  console.log(`failover ${r.from} (epoch ${r.fromEpoch}) → ${r.to} (epoch ${r.toEpoch}) in ${r.totalMs} ms`);
  const table = new Table({
    head: ['step', 'ms', 'detail'],
    ...(process.stdout.isTTY ? {} : { style: { head: [], border: [] } }),
  });
  const s = r.steps;
  table.push(['fence', s.fence.ms, `designation fenced at revision ${s.fence.modRevision}`]);
  table.push([
    'quiesce',
    s.quiesce.ms,
    `${s.quiesce.how}${s.quiesce.silent.length ? ` (silent: ${s.quiesce.silent.join(', ')})` : ''}`,
  ]);
  table.push(['drain', s.drain.ms, `${s.drain.drained ? 'drained' : 'NOT drained'}: ${s.drain.detail}`]);
  table.push(['promote', s.promote.ms, `revision ${s.promote.modRevision}`]);
  table.push([
    'confirm',
    s.confirm.ms,
    s.confirm.confirmed ? `accepted by ${s.confirm.instanceId}` : 'NOT confirmed',
  ]);
  console.log(table.toString());
  for (const w of r.warnings) console.log(`WARNING: ${w}`);
}

async function run(t: Topology, to: string, o: { force?: boolean; drainTimeoutMs: number; reason?: string }) {
  const report = await withQuorum(
    t,
    (q) =>
      failover(q, {
        to,
        by: `operator:${process.env.USER ?? 'cli'}`,
        reason: o.reason ?? 'manual failover',
        ttlSeconds: t.failover!.leaseTtlSeconds,
        drained: drainCheck(t, to),
        drainTimeoutMs: o.drainTimeoutMs,
        ...(o.force ? { force: true } : {}),
      }),
    to, // through the new primary's member: the old region may be gone
  );
  printReport(report);
  if (report.warnings.length > 0) process.exitCode = 2;
}

export function failoverCommand(): Command {
  const cmd = new Command('failover')
    .option('--to <region>', 'the region to promote')
    .option('--status', 'show the current primary, its epoch and the live writers')
    .option('-t, --topology <name|path>', 'topology (default: the one that is up)')
    .option(
      '--drain-timeout-ms <ms>',
      'how long to wait for the mirror to drain before promoting anyway',
      (v) => Number(v),
      60_000,
    )
    .option('--force', 'promote even if no writer of the region is live yet')
    .option('--reason <text>', 'recorded in the designation')
    .action(
      async (o: {
        to?: string;
        status?: boolean;
        topology?: string;
        drainTimeoutMs: number;
        force?: boolean;
        reason?: string;
      }) => {
        const t = runningTopology(o.topology);
        if (o.status || !o.to) {
          await withQuorum(t, async (q) => {
            const d = await readDesignation(q);
            const m = await q.members();
            console.log(
              d
                ? `primary: ${d.value.region} (epoch ${d.value.epoch}, ${d.value.state}, by ${d.value.by})`
                : 'no designation yet',
            );
            for (const x of m.members)
              console.log(
                `  writer ${x.value.instanceId} in ${x.value.region}: ${x.value.accepting ? 'accepting' : 'refusing'} at epoch ${x.value.epoch}`,
              );
          });
          return;
        }
        await run(t, o.to, o);
      },
    );
  return cmd;
}

export function failbackCommand(): Command {
  return new Command('failback')
    .option('-t, --topology <name|path>', 'topology (default: the one that is up)')
    .option('--drain-timeout-ms <ms>', 'how long to wait for the mirror to drain', (v) => Number(v), 60_000)
    .action(async (o: { topology?: string; drainTimeoutMs: number }) => {
      const t = runningTopology(o.topology);
      await run(t, t.failover!.primary, { ...o, reason: 'failback' });
    });
}
