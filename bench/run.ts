/**
 * Runs every `*.bench.js` beside this file (compiled from `bench/*.bench.ts`), one after another,
 * or only those whose name contains one of the CLI arguments: `npm run bench -- merge`.
 * Each bench module exports `default async function (): Promise<BenchReport>`; it measures its
 * figure and a baseline in the same run, because these machines are noisy.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchLine {
  name: string;
  value: number;
  unit: string;
  /** What the figure is compared with, measured in the same run. */
  baseline?: { name: string; value: number; unit: string };
  note?: string;
}
export interface BenchReport {
  bench: string;
  lines: BenchLine[];
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

export function printReport(r: BenchReport): void {
  console.log(`\n== ${r.bench} ==`);
  for (const l of r.lines) {
    const base = l.baseline
      ? `   | baseline ${l.baseline.name}: ${fmt(l.baseline.value)} ${l.baseline.unit}`
      : '';
    console.log(`  ${l.name}: ${fmt(l.value)} ${l.unit}${base}${l.note ? `   (${l.note})` : ''}`);
  }
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) throw new Error(`no bench matched ${JSON.stringify(filters)}`);
  for (const f of files) {
    const mod = (await import(join(__dirname, f))) as { default: () => Promise<BenchReport> };
    printReport(await mod.default());
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
