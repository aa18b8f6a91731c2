import { Command } from 'commander';
import Table from 'cli-table3';
import { probeCounts as counts, slaFigures, type SlaFigures } from '@meridian/sla';
import { findRepoRoot, loadTopology } from '@meridian/topology';
import { SlaError, UsageError } from './errors';

const tableStyle = process.stdout.isTTY ? {} : { style: { head: [], border: [] } };
const WINDOW = /^\d+[smhd]$/;

function pct(v: number | undefined, digits = 3): string {
  return v === undefined ? '–' : `${(v * 100).toFixed(digits)} %`;
}

function render(rows: SlaFigures[], objective: number, window: string): string {
  const t = new Table({
    head: [
      'scope',
      `probes (${window})`,
      'failed',
      'availability',
      'budget used',
      'burn 5m',
      'burn 1h',
      `≥ ${objective * 100} %`,
    ],
    ...tableStyle,
  });
  for (const r of rows)
    t.push([
      r.scope,
      Math.round(r.total),
      Math.round(r.failed),
      pct(r.availability),
      pct(r.budgetConsumed, 1),
      r.burnRates['5m']?.toFixed(2) ?? '–',
      r.burnRates['1h']?.toFixed(2) ?? '–',
      r.meetsObjective === undefined ? '–' : r.meetsObjective ? 'yes' : 'NO',
    ]);
  return t.toString();
}

export function slaCommand(): Command {
  return new Command('sla')
    .option('-t, --topology <name|path>', 'topology', 'active-active')
    .option('-w, --window <duration>', 'the window, e.g. 30m, 1h, 7d', '1h')
    .option('--json', 'print the figures as JSON')
    .action(async (o: { topology: string; window: string; json?: boolean }) => {
      if (!WINDOW.test(o.window))
        throw new UsageError(`--window: a duration such as 30m, 1h or 7d, not "${o.window}"`);
      const t = loadTopology(o.topology, findRepoRoot());
      if (!t.prometheus) throw new UsageError(`topology ${t.name} has no prometheus section`);
      const url = `http://127.0.0.1:${t.prometheus.port}`;
      const objective = t.prometheus.sloAvailability;
      const [main, fast, slow] = await Promise.all([
        counts(url, o.window),
        counts(url, '5m'),
        counts(url, '1h'),
      ]);
      if (main.size === 0)
        throw new SlaError(
          'NO_PROBES',
          `no SLA probes counted in the last ${o.window}: start the topology with MERIDIAN_SLA_PROBE_RATE=2 (probes per region and second)`,
        );
      const scopes = [...main.keys()].sort((a, b) =>
        a === 'global' ? -1 : b === 'global' ? 1 : a.localeCompare(b),
      );
      const rows = scopes.map((s) =>
        slaFigures(objective, main.get(s)!, { '5m': fast.get(s), '1h': slow.get(s) }),
      );
      if (o.json)
        console.log(JSON.stringify({ topology: t.name, window: o.window, objective, scopes: rows }, null, 2));
      else console.log(render(rows, objective, o.window));
    });
}
