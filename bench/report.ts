// Long on purpose: percentiles, the results files and the latency chart, which render the same figures.
/**
 * Bench reporting: percentiles, the results files (`bench/results/latest.json`, `latest.md`) and one
 * latency chart (SVG, hand-written, no dependencies) per distribution a bench reports.
 * Everything here is pure except `machineInfo`, `gitInfo` and `writeResults`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem, arch, platform, release } from 'node:os';
import { join } from 'node:path';

// ---------------------------------------------------------------------------------------------
// What a bench reports (re-exported by ./run, where the benches import them from).

export interface BenchLine {
  name: string;
  value: number;
  unit: string;
  /** What the figure is compared with, measured in the same run. */
  baseline?: { name: string; value: number; unit: string };
  note?: string;
}

/** Raw samples of one measured quantity (e.g. end-to-end latencies), for a chart and percentiles. */
export interface BenchDistribution {
  name: string;
  unit: 'ms';
  samples: number[];
  /** A lower bound of the samples, e.g. the injected WAN delay; drawn as a marker. */
  floor?: { name: string; value: number };
}

export interface BenchReport {
  bench: string;
  lines: BenchLine[];
  distributions?: BenchDistribution[];
}

/** One bench of a run: its report, or the error it threw. `id` is the file stem (`merge`). */
export interface BenchResult {
  id: string;
  durationMs: number;
  report?: BenchReport;
  error?: string;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  totalMemoryBytes: number;
  node: string;
  hostname: string;
  platform: string;
  release: string;
  arch: string;
}

export interface RunMeta {
  /** When the run started. */
  date: Date;
  /** The CLI filters; empty when every bench ran. */
  filters: string[];
  machine: MachineInfo;
  git?: { commit: string; dirty: boolean };
}

// ---------------------------------------------------------------------------------------------
// Statistics.

/**
 * The q-th percentile (q in 0..100) by nearest rank: the smallest sample with at least q% of the
 * samples at or below it (so it is always one of the samples). Accepts unsorted input (sorts a
 * copy, unless `sorted` says it already is). 0 for no samples.
 */
export function percentile(samples: readonly number[], q: number, sorted = false): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile: q must be in 0..100, got ${q}`);
  if (samples.length === 0) return 0;
  const s = sorted ? samples : [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((q / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))] as number;
}

export interface DistributionStats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** count/min/mean/p50/p90/p99/max of the finite samples (all 0 when there are none). */
export function summarize(samples: readonly number[]): DistributionStats {
  const s = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  let sum = 0;
  for (const x of s) sum += x;
  return {
    count: s.length,
    min: s[0] as number,
    mean: sum / s.length,
    p50: percentile(s, 50, true),
    p90: percentile(s, 90, true),
    p99: percentile(s, 99, true),
    max: s[s.length - 1] as number,
  };
}

/** At most JSON_SAMPLE_LIMIT samples go into latest.json; beyond that, a downsample. */
export const JSON_SAMPLE_LIMIT = 10_000;

/**
 * `count` evenly spaced order statistics of the samples (sorted ascending, first = min, last = max):
 * keeps the shape of the distribution, not the time order.
 */
export function downsample(samples: readonly number[], count: number): number[] {
  const s = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length <= count) return s;
  if (count <= 1) return s.slice(-1);
  return Array.from({ length: count }, (_, i) => s[Math.round((i * (s.length - 1)) / (count - 1))] as number);
}

// ---------------------------------------------------------------------------------------------
// Naming and formatting.

/** Formats a figure as the console does: integers with separators from 100, else 3 significant digits. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

function slug(s: string): string {
  return (
    s
      .normalize('NFKD')
      .replace(/[^\w.-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .replace(/-{2,}/g, '-')
      .toLowerCase() || 'x'
  );
}

/**
 * The chart file of every distribution, `<bench>-<distribution>.svg`, keyed `benchId\0name`;
 * unique (a clash gets `-2`, `-3`...).
 */
export function chartFiles(results: readonly BenchResult[]): Map<string, string> {
  const files = new Map<string, string>();
  const taken = new Set<string>();
  for (const r of results) {
    for (const d of r.report?.distributions ?? []) {
      const stem = `${slug(r.id)}-${slug(d.name)}`;
      let file = `${stem}.svg`;
      for (let k = 2; taken.has(file); k++) file = `${stem}-${k}.svg`;
      taken.add(file);
      files.set(`${r.id}\0${d.name}`, file);
    }
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// latest.json

/** The document written to latest.json (raw samples only up to JSON_SAMPLE_LIMIT). */
export function toJson(results: readonly BenchResult[], meta?: RunMeta): string {
  const charts = chartFiles(results);
  const doc = {
    schema: 1,
    date: meta?.date.toISOString(),
    filters: meta?.filters ?? [],
    complete: (meta?.filters.length ?? 0) === 0,
    machine: meta?.machine,
    git: meta?.git,
    failed: results.filter((r) => r.error !== undefined).map((r) => r.id),
    benches: results.map((r) => ({
      id: r.id,
      title: r.report?.bench,
      durationMs: Math.round(r.durationMs),
      ...(r.error !== undefined ? { error: r.error } : {}),
      lines: r.report?.lines ?? [],
      distributions: (r.report?.distributions ?? []).map((d) => {
        const finite = d.samples.filter((x) => Number.isFinite(x));
        const raw = finite.length <= JSON_SAMPLE_LIMIT;
        return {
          name: d.name,
          unit: d.unit,
          ...(d.floor ? { floor: d.floor } : {}),
          stats: summarize(finite),
          ...(finite.length < d.samples.length ? { droppedNonFinite: d.samples.length - finite.length } : {}),
          chart: charts.get(`${r.id}\0${d.name}`),
          samplesKind: raw ? 'raw' : `${JSON_SAMPLE_LIMIT} evenly spaced order statistics (sorted)`,
          samples: raw ? finite : downsample(finite, JSON_SAMPLE_LIMIT),
        };
      }),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// latest.md

function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function ratio(l: BenchLine): string {
  const b = l.baseline;
  if (!b || b.unit !== l.unit || !Number.isFinite(l.value) || !Number.isFinite(b.value) || b.value === 0)
    return '';
  return `${(l.value / b.value).toFixed(2)}× baseline`;
}

function machineLines(meta: RunMeta): string[] {
  const m = meta.machine;
  const gib = (m.totalMemoryBytes / 1024 ** 3).toFixed(1);
  const git = meta.git
    ? `\`${meta.git.commit.slice(0, 12)}\`${meta.git.dirty ? ' (uncommitted changes)' : ''}`
    : 'unknown';
  return [
    `- **Date:** ${meta.date.toISOString()}`,
    `- **Benches:** ${meta.filters.length === 0 ? 'all' : `only those matching ${meta.filters.map((f) => `\`${f}\``).join(', ')}`}`,
    `- **Machine:** ${m.cpus} × ${m.cpuModel}, ${gib} GiB RAM, ${m.platform} ${m.release} ${m.arch}, host \`${m.hostname}\``,
    `- **Node:** ${m.node}`,
    `- **Commit:** ${git}`,
  ];
}

/** latest.md: a machine header, then per bench a table of its figures and one of its distributions. */
export function toMarkdown(results: readonly BenchResult[], meta?: RunMeta): string {
  const charts = chartFiles(results);
  const out: string[] = ['# Meridian bench results', ''];
  if (meta) out.push(...machineLines(meta), '');
  const failed = results.filter((r) => r.error !== undefined);
  if (failed.length > 0) out.push(`**Failed:** ${failed.map((r) => r.id).join(', ')}`, '');
  for (const r of results) {
    const title = r.report?.bench ?? '';
    out.push(`## ${title.startsWith(r.id) ? title : `${r.id}${title ? `: ${title}` : ''}`}`, '');
    out.push(`_${(r.durationMs / 1000).toFixed(1)} s_`, '');
    if (r.error !== undefined) {
      const fence = '`'.repeat(Math.max(3, ...(r.error.match(/`+/g) ?? []).map((b) => b.length + 1)));
      out.push('**Failed:**', '', fence, r.error, fence, '');
    }
    const lines = r.report?.lines ?? [];
    if (lines.length > 0) {
      out.push('| figure | value | unit | baseline | ratio / notes |', '| --- | ---: | --- | --- | --- |');
      for (const l of lines) {
        const base = l.baseline ? `${l.baseline.name}: ${fmt(l.baseline.value)} ${l.baseline.unit}` : '';
        const notes = [ratio(l), l.note ?? ''].filter((s) => s !== '').join('; ');
        out.push(`| ${[l.name, fmt(l.value), l.unit, base, notes].map(cell).join(' | ')} |`);
      }
      out.push('');
    }
    const dists = r.report?.distributions ?? [];
    if (dists.length > 0) {
      out.push(
        '| distribution | samples | min | p50 | p90 | p99 | max | floor | chart |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
      );
      for (const d of dists) {
        const s = summarize(d.samples);
        const file = charts.get(`${r.id}\0${d.name}`) ?? '';
        const floor = d.floor ? `${d.floor.name}: ${fmt(d.floor.value)} ${d.unit}` : '';
        const nums = [s.min, s.p50, s.p90, s.p99, s.max].map((x) => `${fmt(x)} ${d.unit}`);
        out.push(
          `| ${[d.name, String(s.count), ...nums, floor].map(cell).join(' | ')} | [${file}](${file}) |`,
        );
      }
      out.push('');
      for (const d of dists) {
        const file = charts.get(`${r.id}\0${d.name}`) ?? '';
        out.push(`![${cell(d.name)}](${file})`, '');
      }
    }
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The latency chart.

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number for an SVG attribute: 2 decimals, no exponent. */
function n2(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(3)).toString();
}

/** The 1-2-5 number at or below (dir -1) / at or above (dir 1) x > 0. */
function nice125(x: number, dir: 1 | -1): number {
  const e = Math.floor(Math.log10(x));
  const cands = [-1, 0, 1].flatMap((de) => [1, 2, 5].map((m) => m * 10 ** (e + de))).sort((a, b) => a - b);
  if (dir === -1) return [...cands].reverse().find((c) => c <= x * (1 + 1e-12)) ?? cands[0]!;
  return cands.find((c) => c >= x * (1 - 1e-12)) ?? cands[cands.length - 1]!;
}

interface Axis {
  kind: 'log' | 'linear';
  lo: number;
  hi: number;
  ticks: number[];
  /** 0..1 across the domain. */
  frac: (v: number) => number;
}

function logAxis(min: number, max: number): Axis {
  // Round 1-2-5 bounds, but a little room (5%) around the extremes so no marker sits on the frame.
  const lo = Math.min(nice125(min, -1), min / 1.05);
  const hi = Math.max(nice125(max, 1), max * 1.05);
  const ticksWith = (mantissas: number[]): number[] => {
    const ts: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); 10 ** e <= hi * (1 + 1e-9); e++)
      for (const m of mantissas) {
        const t = m * 10 ** e;
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ts.push(Number(t.toPrecision(6)));
      }
    return ts;
  };
  // 1-2-5 per decade; every integer mantissa on a short range, powers of ten only on a long one.
  let ticks = ticksWith([1, 2, 5]);
  if (ticks.length < 4) ticks = ticksWith([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  else if (ticks.length > 10) ticks = ticksWith([1]);
  if (ticks.length > 10) ticks = ticks.filter((_, i) => i % Math.ceil(ticks.length / 8) === 0);
  const span = Math.log10(hi) - Math.log10(lo);
  return { kind: 'log', lo, hi, ticks, frac: (v) => (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span };
}

function linearAxis(min: number, max: number): Axis {
  let to = max;
  if (to <= min) to = min + (min === 0 ? 1 : Math.abs(min) * 0.1);
  // From 0 when the samples start near it, else from a round value a little below the least.
  const start = min >= 0 && min <= 0.1 * to ? 0 : min - 0.02 * (to - min);
  const step = nice125((to - start) / 8, 1);
  const from = Math.floor(start / step + 1e-9) * step;
  to = Math.ceil(to / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = from; t <= to + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { kind: 'linear', lo: from, hi: to, ticks, frac: (v) => (v - from) / (to - from) };
}

export interface LatencySvgOptions {
  /** 'auto' (default): log when every value is > 0 and max / min >= 10. */
  scale?: 'auto' | 'log' | 'linear';
  /** Chart title; default the distribution's name. */
  title?: string;
  width?: number;
  height?: number;
}

/** The chart's geometry: the plot area inside the margins, and the two value → pixel maps. */
interface Frame {
  W: number;
  H: number;
  M: { top: number; right: number; bottom: number; left: number };
  pw: number;
  ph: number;
  X: (v: number) => number;
  Y: (share: number) => number;
}

/** Histogram: 40 equal bins (log bins on a log axis) from the least sample to the greatest. */
function histogramBars(s: readonly number[], axis: Axis, f: Frame): { bars: string[]; top: number } {
  const BINS = 40;
  const f0 = axis.frac(s[0] as number);
  const fw = Math.max(1e-9, axis.frac(s[s.length - 1] as number) - f0) / BINS;
  const counts = new Array<number>(BINS).fill(0);
  for (const v of s) counts[Math.min(BINS - 1, Math.max(0, Math.floor((axis.frac(v) - f0) / fw)))]! += 1;
  const top = Math.max(...counts);
  const bars = counts
    .map((c, i) => {
      if (c === 0) return '';
      const x0 = f.M.left + f.pw * (f0 + i * fw);
      const h = (f.ph * c) / top;
      const w = Math.max(0.5, f.pw * fw - 1);
      return `<rect x="${n2(x0 + 0.5)}" y="${n2(f.M.top + f.ph - h)}" width="${n2(w)}" height="${n2(h)}"/>`;
    })
    .filter((r) => r !== '');
  return { bars, top };
}

/** Empirical CDF as a step line; beyond 2,000 samples, 1,000 evenly spaced order statistics. */
function cdfPoints(s: readonly number[], f: Frame): string[] {
  const pts: string[] = [];
  if (s.length <= 2000) {
    pts.push(`${n2(f.X(s[0] as number))},${n2(f.Y(0))}`);
    for (let i = 0; i < s.length; i++) {
      const x = n2(f.X(s[i] as number));
      pts.push(`${x},${n2(f.Y(i / s.length))}`, `${x},${n2(f.Y((i + 1) / s.length))}`);
    }
  } else {
    for (let k = 0; k <= 1000; k++) {
      const q = k / 1000;
      const v = s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))] as number;
      pts.push(`${n2(f.X(v))},${n2(f.Y(q))}`);
    }
  }
  pts.push(`${n2(f.M.left + f.pw)},${n2(f.Y(1))}`);
  return pts;
}

/** Grid lines and the three axes' labels (latency, cumulative %, samples per bin). */
function gridAndLabels(axis: Axis, f: Frame, top: number): { grid: string[]; labels: string[] } {
  const { M, pw, ph, X, Y } = f;
  const grid: string[] = [];
  const labels: string[] = [];
  for (const t of axis.ticks) {
    const x = n2(X(t));
    grid.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}"/>`);
    labels.push(`<text x="${x}" y="${M.top + ph + 16}" text-anchor="middle">${esc(tickLabel(t))}</text>`);
  }
  for (const share of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    const y = n2(Y(share));
    grid.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}"/>`);
    labels.push(
      `<text x="${M.left - 6}" y="${y}" dy="4" text-anchor="end">${tickLabel(share * 100)}%</text>`,
    );
  }
  for (const share of [0, 0.5, 1])
    labels.push(
      `<text x="${M.left + pw + 6}" y="${n2(Y(share))}" dy="4" text-anchor="start">${tickLabel(Math.round(top * share))}</text>`,
    );
  return { grid, labels };
}

/** Dashed markers at p50 and p99, a solid one at the floor; labels in rows above the plot. */
function markerGroups(d: BenchDistribution, stats: DistributionStats, f: Frame): string[] {
  const floor = d.floor && Number.isFinite(d.floor.value) ? d.floor : undefined;
  const markers: { cls: string; label: string; v: number; color: string; dash: string; row: number }[] = [];
  if (floor)
    markers.push({
      cls: 'floor',
      label: `floor: ${floor.name} ${fmt(floor.value)} ${d.unit}`,
      v: floor.value,
      color: '#111827',
      dash: '',
      row: 0,
    });
  markers.push(
    {
      cls: 'p50',
      label: `p50 ${fmt(stats.p50)} ${d.unit}`,
      v: stats.p50,
      color: '#2563eb',
      dash: '6 4',
      row: 1,
    },
    {
      cls: 'p99',
      label: `p99 ${fmt(stats.p99)} ${d.unit}`,
      v: stats.p99,
      color: '#dc2626',
      dash: '6 4',
      row: 2,
    },
  );
  return markers.map((m) => {
    const x = f.X(m.v);
    const y = f.M.top - 8 - (2 - m.row) * 14;
    const right = x + m.label.length * 6.6 + 6 > f.W - 4;
    const dash = m.dash ? ` stroke-dasharray="${m.dash}"` : '';
    return [
      `<g class="marker ${m.cls}" data-marker="${m.cls}" data-value="${m.v}">`,
      `<line x1="${n2(x)}" y1="${n2(y + 3)}" x2="${n2(x)}" y2="${f.M.top + f.ph}" stroke="${m.color}" stroke-width="${m.cls === 'floor' ? 2 : 1.5}"${dash}/>`,
      `<text x="${n2(right ? x - 4 : x + 4)}" y="${n2(y)}" text-anchor="${right ? 'end' : 'start'}" fill="${m.color}">${esc(m.label)}</text>`,
      '</g>',
    ].join('');
  });
}

/**
 * The latency chart of one distribution: a histogram of the samples (bars, right axis: samples per
 * bin) under their cumulative distribution (line, left axis: % of samples at or below), on a log or
 * linear latency axis, with dashed markers at p50 and p99 and a solid one at the floor. Hand-written
 * SVG rather than a chart library: the charts are static files for the repository, and a library
 * that renders SVG without a browser (vega's, for one) would bring a large tree for four shapes.
 */
export function latencySvg(d: BenchDistribution, opts: LatencySvgOptions = {}): string {
  const W = opts.width ?? 760;
  const H = opts.height ?? 440;
  const M = { top: 100, right: 64, bottom: 56, left: 64 };
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const title = opts.title ?? d.name;
  const font = `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"`;
  const s = d.samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const stats = summarize(s);
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${font} font-size="12">`,
    `<title>${esc(`${title} (${d.unit})`)}</title>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="600" fill="#111827">${esc(title)}</text>`,
  ];
  if (s.length === 0) {
    return [
      ...head,
      `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#6b7280">no samples</text>`,
      '</svg>',
      '',
    ].join('\n');
  }
  const floor = d.floor && Number.isFinite(d.floor.value) ? d.floor : undefined;
  const min = Math.min(s[0] as number, floor?.value ?? Infinity);
  const max = Math.max(s[s.length - 1] as number, floor?.value ?? -Infinity);
  const wantLog = opts.scale === 'log' || (opts.scale !== 'linear' && min > 0 && max / min >= 10);
  const axis = wantLog && min > 0 ? logAxis(min, max) : linearAxis(min, max);
  const f: Frame = {
    W,
    H,
    M,
    pw,
    ph,
    X: (v) => M.left + pw * Math.min(1, Math.max(0, axis.frac(v))),
    Y: (share) => M.top + ph * (1 - share),
  };
  const { bars, top } = histogramBars(s, axis, f);
  const { grid, labels } = gridAndLabels(axis, f, top);
  const summary =
    `n = ${stats.count.toLocaleString('en-US')} · min ${fmt(stats.min)} · p50 ${fmt(stats.p50)} · ` +
    `p90 ${fmt(stats.p90)} · p99 ${fmt(stats.p99)} · max ${fmt(stats.max)} ${d.unit}`;
  return [
    ...head,
    `<text x="${W / 2}" y="42" text-anchor="middle" fill="#4b5563">${esc(summary)}</text>`,
    `<g stroke="#e5e7eb" stroke-width="1">${grid.join('')}</g>`,
    `<g class="histogram" fill="#93c5fd" fill-opacity="0.55">${bars.join('')}</g>`,
    `<polyline class="cdf" fill="none" stroke="#1e3a8a" stroke-width="2" stroke-linejoin="round" points="${cdfPoints(s, f).join(' ')}"/>`,
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#9ca3af"/>`,
    `<g fill="#374151" font-size="11">${labels.join('')}</g>`,
    ...markerGroups(d, stats, f),
    `<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle" fill="#111827">latency (${d.unit}, ${axis.kind} scale)</text>`,
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1e3a8a">samples at or below (%, line)</text>`,
    `<text transform="translate(${W - 12} ${M.top + ph / 2}) rotate(90)" text-anchor="middle" fill="#2563eb">samples per bin (bars)</text>`,
    '</svg>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The machine, the commit, the files.

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: totalmem(),
    node: process.version,
    hostname: hostname(),
    platform: platform(),
    release: release(),
    arch: arch(),
  };
}

/** HEAD and whether the working tree has changes, or undefined when git is unavailable. */
export function gitInfo(cwd: string): RunMeta['git'] {
  try {
    const run = (args: string[]): string =>
      execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = run(['rev-parse', 'HEAD']);
    let dirty = false;
    try {
      dirty = run(['status', '--porcelain', '--untracked-files=no']) !== '';
    } catch {
      // leave it false
    }
    return { commit, dirty };
  } catch {
    return undefined;
  }
}

/**
 * Writes latest.json, latest.md and one `<bench>-<distribution>.svg` per distribution into `dir`
 * (created if needed); returns the paths written.
 */
export function writeResults(dir: string, results: readonly BenchResult[], meta: RunMeta): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (file: string, text: string): void => {
    const p = join(dir, file);
    writeFileSync(p, text);
    written.push(p);
  };
  const charts = chartFiles(results);
  for (const r of results)
    for (const d of r.report?.distributions ?? [])
      write(charts.get(`${r.id}\0${d.name}`) as string, latencySvg(d, { title: `${r.id}: ${d.name}` }));
  // `latest.*` is the last complete run; a filtered run is written beside it, under its filters.
  const base =
    meta.filters.length === 0
      ? 'latest'
      : `partial-${meta.filters.map((f) => f.replace(/[^A-Za-z0-9._-]/g, '_')).join('+')}`;
  write(`${base}.json`, toJson(results, meta));
  write(`${base}.md`, toMarkdown(results, meta));
  return written;
}
