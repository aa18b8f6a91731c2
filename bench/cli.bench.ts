/**
 * The CLI's latency, wall clock of a whole `node bin/meridian.js …` process (median of RUNS):
 * `--help` and every command's `--help` beside the baseline of the same process loading every
 * command's module up front (what each call paid before commands were loaded on demand), with
 * Node's own start-up as the floor. On a running topology (the one `npm run bench` uses) also
 * `rpo --json` and `local status`. Targets (issue 17): help < 1 s, those two < 1.5 s.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '@meridian/topology';
import type { BenchLine, BenchReport } from './run';

const RUNS = 7;
const root = findRepoRoot();
const bin = join(root, 'bin', 'meridian.js');
const cliDist = join(root, 'dist', 'apps', 'cli', 'src');

/** Median wall time of a process, and its last exit status. */
function timed(args: readonly string[]): { ms: number; status: number | null } {
  const samples: number[] = [];
  let status: number | null = null;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: process.env });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    status = r.status;
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, status };
}

export default async function cliBench(): Promise<BenchReport> {
  const floor = timed(['-e', '0']);
  const modules = readdirSync(cliDist).filter((f) => f.endsWith('.command.js'));
  // The baseline: one process that loads every command's module, as every call did before.
  const eager = timed([
    '-e',
    `for (const m of ${JSON.stringify(modules)}) require(${JSON.stringify(cliDist)} + '/' + m)`,
  ]);
  const ms = (
    name: string,
    value: number,
    baseline?: { name: string; value: number },
    note?: string,
  ): BenchLine => ({
    name,
    value: Math.round(value),
    unit: 'ms',
    ...(baseline ? { baseline: { ...baseline, value: Math.round(baseline.value), unit: 'ms' } } : {}),
    ...(note ? { note } : {}),
  });
  const lines: BenchLine[] = [];
  const help = timed([bin, '--help']);
  lines.push(
    ms(
      'meridian --help',
      help.ms,
      { name: 'every command module loaded', value: eager.ms },
      `node alone ${Math.round(floor.ms)} ms; target < 1000 ms`,
    ),
  );
  let slowest = { name: '', ms: 0 };
  for (const command of [
    'local',
    'schemas',
    'models',
    'rpo',
    'sla',
    'replay',
    'dlq',
    'failover',
    'failback',
  ]) {
    const r = timed([bin, command, '--help']);
    if (r.status !== 0) throw new Error(`meridian ${command} --help exited ${r.status}`);
    lines.push(
      ms(`meridian ${command} --help`, r.ms, { name: 'every command module loaded', value: eager.ms }),
    );
    if (r.ms > slowest.ms) slowest = { name: command, ms: r.ms };
  }
  lines.push(ms('slowest command --help', slowest.ms, undefined, `${slowest.name}; target < 1000 ms`));
  const status = timed([bin, 'local', 'status']);
  // Measured on a topology only if one is up here (status exits 0 with no processes when none is).
  const up = spawnSync(process.execPath, [bin, 'local', 'status', '--json'], { cwd: root, encoding: 'utf8' });
  const processes =
    up.status === 0 ? (JSON.parse(up.stdout) as { processes: unknown[] }).processes.length : 0;
  if (processes > 0) {
    lines.push(
      ms(`meridian local status (${processes} processes up)`, status.ms, undefined, 'target < 1500 ms'),
    );
    const rpo = timed([bin, 'rpo', '--json']);
    lines.push(
      ms('meridian rpo --json (running topology)', rpo.ms, undefined, `exit ${rpo.status}; target < 1500 ms`),
    );
  } else {
    lines.push(
      ms(
        'meridian local status (no topology up)',
        status.ms,
        undefined,
        `exit ${status.status}: rpo --json not measured`,
      ),
    );
  }
  return { bench: 'cli (wall clock per call, median of 7)', lines };
}
