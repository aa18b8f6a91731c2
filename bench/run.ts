/**
 * Runs every `*.bench.js` beside this file (compiled from `bench/*.bench.ts`), one after another,
 * or only those whose name contains one of the CLI arguments: `npm run bench -- merge`.
 * Each bench module exports `default async function (): Promise<BenchReport>`; it measures its
 * figure and a baseline in the same run, because these machines are noisy.
 *
 * At the end the run writes `bench/results/latest.json`, `latest.md` and one SVG chart per reported
 * distribution (see bench/results/README.md), into the source tree (MERIDIAN_BENCH_RESULTS_DIR
 * overrides the folder). A bench that throws is recorded as failed, the others still run, and the
 * process exits non-zero.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findRepoRoot } from '@meridian/topology';
// The file, not @meridian/testing: its index reads the topology's ports when loaded, before the block is set.
import { useTestTopology } from '../dev/testing/src/test-topology';
import {
  fmt,
  gitInfo,
  machineInfo,
  summarize,
  writeResults,
  type BenchReport,
  type BenchResult,
} from './report';

export type { BenchDistribution, BenchLine, BenchReport } from './report';

export function printReport(r: BenchReport): void {
  console.log(`\n== ${r.bench} ==`);
  for (const l of r.lines) {
    const base = l.baseline
      ? `   | baseline ${l.baseline.name}: ${fmt(l.baseline.value)} ${l.baseline.unit}`
      : '';
    console.log(`  ${l.name}: ${fmt(l.value)} ${l.unit}${base}${l.note ? `   (${l.note})` : ''}`);
  }
  for (const d of r.distributions ?? []) {
    const s = summarize(d.samples);
    const floor = d.floor ? `   | floor ${d.floor.name}: ${fmt(d.floor.value)} ${d.unit}` : '';
    console.log(
      `  ${d.name}: p50 ${fmt(s.p50)} / p90 ${fmt(s.p90)} / p99 ${fmt(s.p99)} / max ${fmt(s.max)} ${d.unit}` +
        `   (${s.count} samples)${floor}`,
    );
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}

/**
 * Formats the written .json/.md as the repo's Prettier config says, so committed results pass
 * `npm run lint`; skipped (files left as written) when Prettier is not installed.
 */
async function prettify(paths: readonly string[]): Promise<void> {
  let prettier: typeof import('prettier');
  try {
    prettier = await import('prettier');
  } catch {
    return;
  }
  for (const p of paths.filter((f) => /\.(json|md)$/.test(f))) {
    const options = (await prettier.resolveConfig(p)) ?? {};
    writeFileSync(p, await prettier.format(readFileSync(p, 'utf8'), { ...options, filepath: p }));
  }
}

/**
 * The benches run on the test suites' own topology (home `.meridian-test`, ports +500), started
 * here when it is not up (`BENCH_TOPOLOGY`, default active-active) and stopped after, so a topology
 * the user runs is never touched; `MERIDIAN_BENCH_TOPOLOGY=existing` measures the one that is up.
 * Returns how to stop what it started.
 */
function ownTopology(root: string): () => void {
  if (process.env.MERIDIAN_BENCH_TOPOLOGY === 'existing') return () => undefined;
  // Before any bench module loads: they read the topology (and its ports) when imported.
  useTestTopology();
  const cli = (args: string[], capture = false): string =>
    execFileSync('node', [join(root, 'bin', 'meridian.js'), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    }) ?? '';
  const wanted = process.env.BENCH_TOPOLOGY ?? 'active-active';
  let status: { up: boolean; topology?: string; processes: unknown[] };
  try {
    status = JSON.parse(cli(['local', 'status', '--json'], true)) as typeof status;
  } catch (e) {
    status = JSON.parse(
      String((e as { stdout?: string }).stdout ?? '{"up":false,"processes":[]}'),
    ) as typeof status;
  }
  if (status.up && status.topology === wanted) return () => undefined;
  if (status.processes.length > 0) cli(['local', 'down']);
  console.log(`[bench] starting the benches' own ${wanted} topology (${process.env.MERIDIAN_HOME})`);
  cli(['local', 'up', '--topology', wanted]);
  return () => void cli(['local', 'down']);
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const root = findRepoRoot(__dirname);
  const needsTopology = filters.length === 0 || !filters.every((f) => OFFLINE.some((b) => b.includes(f)));
  const stop = needsTopology ? ownTopology(root) : () => undefined;
  try {
    await runBenches(filters, root);
  } finally {
    stop();
  }
}

/** Benches that start nothing and dial nothing but PostgreSQL: no topology needed for them alone. */
const OFFLINE = ['engine', 'merge', 'serde', 'store'];

async function runBenches(filters: string[], root: string): Promise<void> {
  const date = new Date();
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) throw new Error(`no bench matched ${JSON.stringify(filters)}`);
  const results: BenchResult[] = [];
  for (const f of files) {
    const id = f.slice(0, -'.bench.js'.length);
    const t0 = performance.now();
    try {
      const mod = (await import(join(__dirname, f))) as { default: () => Promise<BenchReport> };
      const report = await mod.default();
      results.push({ id, durationMs: performance.now() - t0, report });
      printReport(report);
    } catch (e) {
      results.push({ id, durationMs: performance.now() - t0, error: errorText(e) });
      console.error(`\n== ${id} FAILED ==`);
      console.error(e);
    }
  }
  const dir = process.env.MERIDIAN_BENCH_RESULTS_DIR || join(root, 'bench', 'results');
  const written = writeResults(dir, results, { date, filters, machine: machineInfo(), git: gitInfo(root) });
  await prettify(written).catch((e: unknown) => console.warn(`(results left unformatted: ${String(e)})`));
  console.log(`\nresults: ${written.map((p) => relative(process.cwd(), p)).join(', ')}`);
  const failed = results.filter((r) => r.error !== undefined).map((r) => r.id);
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
