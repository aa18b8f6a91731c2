import { Command } from 'commander';
import Table from 'cli-table3';
import type { FlowAtRisk, FlowFigures } from '@meridian/replication';
import { findRepoRoot, loadTopology } from '@meridian/topology';

const tableStyle = process.stdout.isTTY ? {} : { style: { head: [], border: [] } };

function ms(v: number | undefined): string {
  if (v === undefined) return '–';
  return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`;
}

function render(flows: FlowFigures[]): string {
  const t = new Table({
    head: ['flow', 'RPO records', 'RPO time', 'target', 'status', 'projection lag', 'replication latency'],
    ...tableStyle,
  });
  for (const f of flows) {
    t.push([
      `${f.source} → ${f.target}`,
      f.rpoRecords,
      ms(f.rpoMs),
      ms(f.rpoTargetMs),
      !f.measured
        ? 'NOT MEASURED yet (a region has not answered)'
        : f.stale
          ? `STALE for ${ms(f.staleForMs)} (last known)`
          : f.withinTarget
            ? 'within target'
            : 'BREACHING',
      f.projectionLagRecords === undefined ? '–' : `${f.projectionLagRecords} (${ms(f.projectionLagMs)})`,
      ms(f.replicationLatencyMs),
    ]);
  }
  return t.toString();
}

function renderAtRisk(target: string, flows: FlowAtRisk[], limit: number, nowMs: number): string {
  const lines: string[] = [];
  for (const f of flows) {
    const head =
      `${f.source} → ${target}: ${f.rpoRecords} record(s) at risk, ${f.aggregates.length} aggregate(s) named` +
      (f.unattributed > 0
        ? `, ${f.unattributed} record(s) not attributable (not read from the source)`
        : '') +
      (f.stale ? ' — STALE: the source does not answer, more may be at risk' : '');
    lines.push(head);
    if (f.aggregates.length === 0) continue;
    const t = new Table({
      head: ['topic', 'aggregate', 'tenant', 'events', 'newest unmirrored', 'age'],
      ...tableStyle,
    });
    for (const a of f.aggregates.slice(0, limit))
      t.push([
        a.topic,
        a.aggregateId,
        a.tenant ?? '–',
        a.events,
        new Date(a.newestMs).toISOString(),
        ms(nowMs - a.newestMs),
      ]);
    lines.push(t.toString());
    if (f.aggregates.length > limit)
      lines.push(`… and ${f.aggregates.length - limit} more (--limit, or --json for all)`);
  }
  return lines.join('\n');
}

/** The local topology's monitor, on the port block of this environment (`MERIDIAN_PORT_OFFSET`). */
function localMonitorUrl(): string {
  const port = loadTopology('active-active', findRepoRoot()).monitor?.port;
  if (port === undefined) throw new Error('the active-active topology names no monitor; pass --url');
  return `http://127.0.0.1:${port}`;
}

/** `meridian rpo`: the replication monitor's figures as a table (`--watch` refreshes; `--json`). */
export function rpoCommand(): Command {
  return new Command('rpo')
    .option('--url <url>', "the replication monitor (default: the local topology's, on its port block)")
    .option('--json', 'print the JSON (per partition too)')
    .option('--watch [ms]', 'refresh every ms (default 1000)')
    .option(
      '--at-risk <region>',
      'the aggregates with acknowledged events not yet in <region>, per flow into it',
    )
    .option('--limit <n>', 'with --at-risk: aggregates listed per flow (default 20)', '20')
    .addHelpText(
      'after',
      `
Exit codes (with or without --json):
  0  every flow is fresh and within its RPO target (--at-risk: nothing at risk)
  3  some flow is breaching, stale (a region does not answer) or has a backlog it cannot date
     (--at-risk: some records are at risk)
  1  the monitor could not be reached or answered badly
With --watch it refreshes until interrupted (no exit code of its own).`,
    )
    .action(
      async (o: {
        url?: string;
        json?: boolean;
        watch?: string | boolean;
        atRisk?: string;
        limit: string;
      }) => {
        const url = o.url ?? localMonitorUrl();
        if (o.atRisk !== undefined) {
          const limit = Number(o.limit);
          if (!Number.isInteger(limit) || limit < 1)
            throw new Error(`--limit: a positive integer, got ${o.limit}`);
          const res = await fetch(`${url}/at-risk/${encodeURIComponent(o.atRisk)}`, {
            signal: AbortSignal.timeout(3000),
          }).catch((e: unknown) => {
            throw new Error(
              `replication monitor not reachable at ${url} (${(e as Error).message}); is \`npm start\` up?`,
            );
          });
          const body = (await res.json()) as {
            atMs: number;
            target: string;
            flows: FlowAtRisk[];
            message?: string;
          };
          if (!res.ok) throw new Error(`--at-risk: ${body.message ?? res.status}`);
          console.log(
            o.json ? JSON.stringify(body, null, 2) : renderAtRisk(body.target, body.flows, limit, body.atMs),
          );
          if (body.flows.some((f) => f.rpoRecords > 0 || f.stale)) process.exitCode = 3;
          return;
        }
        const once = async () => {
          const res = await fetch(`${url}/rpo`, { signal: AbortSignal.timeout(3000) }).catch((e: unknown) => {
            throw new Error(
              `replication monitor not reachable at ${url} (${(e as Error).message}); is \`npm start\` up?`,
            );
          });
          const body = (await res.json()) as { atMs: number; flows: FlowFigures[] };
          if (o.json) console.log(JSON.stringify(body, null, 2));
          else {
            if (o.watch) process.stdout.write('\x1b[2J\x1b[H');
            console.log(`${new Date(body.atMs).toISOString()}\n${render(body.flows)}`);
          }
          if (body.flows.some((f) => !f.withinTarget || f.stale)) process.exitCode = 3;
        };
        await once();
        if (o.watch) {
          const every = typeof o.watch === 'string' ? Number(o.watch) : 1000;
          for (;;) {
            await new Promise((r) => setTimeout(r, every));
            await once();
          }
        }
      },
    );
}
