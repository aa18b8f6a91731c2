import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@meridian/random';
import {
  chartFiles,
  downsample,
  JSON_SAMPLE_LIMIT,
  latencySvg,
  percentile,
  summarize,
  toJson,
  toMarkdown,
  writeResults,
  type BenchDistribution,
  type BenchResult,
  type RunMeta,
} from './report';

/**
 * A tiny well-formedness check: every tag closes in order, attributes are quoted, no stray `<` or
 * `&` in text. Returns the element names in document order.
 */
function xmlElements(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const text = body.slice(at, m.index);
    if (/[<>]/.test(text)) throw new Error(`stray markup before offset ${m.index}: ${text.slice(0, 80)}`);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text))
      throw new Error(`bare & in text: ${text.slice(0, 80)}`);
    at = m.index + m[0].length;
    const [, close, name, , self] = m as unknown as [string, string, string, string, string];
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      names.push(name);
      if (!self) stack.push(name);
    }
  }
  if (/[<>]/.test(body.slice(at))) throw new Error('stray markup at the end');
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(' > ')}`);
  return names;
}

/** Latency-like samples: a floor, plus a log-normal tail. */
function latencies(n: number, floorMs: number, seed = 7): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return floorMs + Math.exp(1.6 + 0.9 * g);
  });
}

const meta: RunMeta = {
  date: new Date('2025-01-02T03:04:05.000Z'),
  filters: ['merge', 'publish'],
  machine: {
    cpus: 2,
    cpuModel: 'Test CPU @ 2.0GHz',
    totalMemoryBytes: 8 * 1024 ** 3,
    node: 'v20.0.0',
    hostname: 'bench-host',
    platform: 'linux',
    release: '6.1',
    arch: 'x64',
  },
  git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
};

const wan: BenchDistribution = {
  name: 'end-to-end latency',
  unit: 'ms',
  samples: latencies(3000, 50),
  floor: { name: 'injected WAN delay', value: 50 },
};

const results: BenchResult[] = [
  {
    id: 'merge',
    durationMs: 1234,
    report: {
      bench: 'merge',
      lines: [
        {
          name: 'applyOp into a document',
          value: 123_456.7,
          unit: 'events/s',
          baseline: { name: 'Object.assign fold, no dedup', value: 246_913.4, unit: 'events/s' },
          note: '10500 events | 500 duplicates',
        },
        { name: 'digest(document)', value: 12.34, unit: 'µs/digest' },
      ],
    },
  },
  {
    id: 'publish',
    durationMs: 20_000,
    report: { bench: 'publish (HTTP → Kafka)', lines: [], distributions: [wan] },
  },
  { id: 'rpo', durationMs: 5, error: 'Error: topology is not up\n    at rpoBench' },
];

describe('percentile', () => {
  it('is the nearest-rank percentile on known inputs', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 90)).toBe(90);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3); // unsorted input
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });

  it('does not reorder its input, and rejects q outside 0..100', () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    expect(xs).toEqual([3, 1, 2]);
    expect(() => percentile(xs, 150)).toThrow(RangeError);
    expect(() => percentile(xs, Number.NaN)).toThrow(RangeError);
  });

  it('summarize gives p50/p90/p99/max and ignores non-finite samples', () => {
    const xs = [...Array.from({ length: 1000 }, (_, i) => 1000 - i), Number.NaN];
    expect(summarize(xs)).toEqual({
      count: 1000,
      min: 1,
      mean: 500.5,
      p50: 500,
      p90: 900,
      p99: 990,
      max: 1000,
    });
    expect(summarize([])).toEqual({ count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });

  it('downsample keeps min and max and the count asked for', () => {
    const xs = Array.from({ length: 100_001 }, (_, i) => (i * 7919) % 100_001);
    const d = downsample(xs, 11);
    expect(d).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000]);
    expect(downsample([3, 1, 2], 10)).toEqual([1, 2, 3]);
  });
});

describe('toMarkdown', () => {
  const md = toMarkdown(results, meta);

  it('has the machine header and which benches ran', () => {
    expect(md).toContain('2 × Test CPU @ 2.0GHz, 8.0 GiB RAM');
    expect(md).toContain('v20.0.0');
    expect(md).toContain('`0123456789ab`');
    expect(md).toContain('only those matching `merge`, `publish`');
  });

  it('has each figure with its value, unit, baseline and ratio', () => {
    const row = md.split('\n').find((l) => l.startsWith('| applyOp into a document |'));
    expect(row).toBe(
      '| applyOp into a document | 123,457 | events/s | Object.assign fold, no dedup: 246,913 events/s | ' +
        '0.50× baseline; 10500 events \\| 500 duplicates |',
    );
    expect(md).toContain('| digest(document) | 12.3 | µs/digest |  |  |');
  });

  it('has the distribution stats with a link to its chart, and the failed bench with its error', () => {
    const file = chartFiles(results).get('publish\0end-to-end latency');
    expect(file).toBe('publish-end-to-end-latency.svg');
    expect(md).toContain(`[${file}](${file})`);
    expect(md).toContain(`![end-to-end latency](${file})`);
    const s = summarize(wan.samples);
    expect(md).toContain(`| end-to-end latency | 3000 |`);
    expect(md).toContain(`${s.p99.toPrecision(3)} ms`);
    expect(md).toContain('injected WAN delay: 50.0 ms');
    expect(md).toContain('**Failed:** rpo');
    expect(md).toContain('topology is not up');
  });
});

describe('toJson', () => {
  it('holds the lines, the stats, the raw samples up to the limit, the errors and the filter', () => {
    const big: BenchDistribution = { name: 'big', unit: 'ms', samples: latencies(JSON_SAMPLE_LIMIT + 5, 10) };
    const doc = JSON.parse(
      toJson(
        [...results, { id: 'big', durationMs: 1, report: { bench: 'big', lines: [], distributions: [big] } }],
        meta,
      ),
    );
    expect(doc.filters).toEqual(['merge', 'publish']);
    expect(doc.complete).toBe(false);
    expect(doc.machine.cpus).toBe(2);
    expect(doc.git.commit).toBe(meta.git?.commit);
    expect(doc.failed).toEqual(['rpo']);
    expect(doc.benches.map((b: { id: string }) => b.id)).toEqual(['merge', 'publish', 'rpo', 'big']);
    expect(doc.benches[0].lines[0].baseline.value).toBe(246_913.4);
    const pub = doc.benches[1].distributions[0];
    expect(pub.samples).toHaveLength(3000);
    expect(pub.samplesKind).toBe('raw');
    expect(pub.stats.p99).toBe(percentile(wan.samples, 99));
    expect(pub.floor).toEqual({ name: 'injected WAN delay', value: 50 });
    expect(pub.chart).toBe('publish-end-to-end-latency.svg');
    expect(doc.benches[2].error).toContain('topology is not up');
    const bigOut = doc.benches[3].distributions[0];
    expect(bigOut.stats.count).toBe(JSON_SAMPLE_LIMIT + 5);
    expect(bigOut.samples).toHaveLength(JSON_SAMPLE_LIMIT);
    expect(bigOut.samplesKind).not.toBe('raw');
  });
});

describe('latencySvg', () => {
  it('is well-formed SVG with the p50 and p99 markers and the floor line', () => {
    const svg = latencySvg(wan);
    const names = xmlElements(svg);
    expect(names[0]).toBe('svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    expect(names).toEqual(expect.arrayContaining(['title', 'polyline', 'line', 'text', 'rect']));
    const s = summarize(wan.samples);
    expect(svg).toContain(`data-marker="p99" data-value="${s.p99}"`);
    expect(svg).toContain(`data-marker="p50" data-value="${s.p50}"`);
    expect(svg).toContain('data-marker="floor" data-value="50"');
    expect(svg).toContain('floor: injected WAN delay 50.0 ms');
    expect(svg).toMatch(/latency \(ms, (log|linear) scale\)/);
    expect(latencySvg(wan, { scale: 'log' })).toContain('latency (ms, log scale)');
    xmlElements(latencySvg(wan, { scale: 'log' }));
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('places the markers in order along the x axis', () => {
    const svg = latencySvg(wan);
    const x = (m: string): number =>
      Number(new RegExp(`data-marker="${m}"[^>]*><line x1="([\\d.]+)"`).exec(svg)?.[1]);
    expect(x('floor')).toBeLessThan(x('p50'));
    expect(x('p50')).toBeLessThan(x('p99'));
  });

  it('escapes names, handles a narrow range (linear axis), many samples, and no samples', () => {
    const narrow = latencySvg({ name: 'a < b & "c"', unit: 'ms', samples: [10, 11, 12, 12, 13, 15] });
    xmlElements(narrow);
    expect(narrow).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(narrow).toContain('linear scale');
    const many = latencySvg({ name: 'many', unit: 'ms', samples: latencies(50_000, 0.5) });
    xmlElements(many);
    expect(many.length).toBeLessThan(100_000);
    const zeroes = latencySvg({ name: 'rpo', unit: 'ms', samples: [0, 0, 5, 50, 500] });
    xmlElements(zeroes);
    expect(zeroes).not.toMatch(/NaN|Infinity/);
    const empty = latencySvg({ name: 'none', unit: 'ms', samples: [] });
    xmlElements(empty);
    expect(empty).toContain('no samples');
  });
});

describe('writeResults', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'meridian-bench-report-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes latest.json, latest.md and one SVG per distribution, creating the folder', () => {
    const out = join(dir, 'bench', 'results');
    const written = writeResults(out, results, { ...meta, filters: [] });
    expect(readdirSync(out).sort()).toEqual(['latest.json', 'latest.md', 'publish-end-to-end-latency.svg']);
    expect(written).toHaveLength(3);
    expect(JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')).benches).toHaveLength(3);
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toContain('| applyOp into a document |');
    xmlElements(readFileSync(join(out, 'publish-end-to-end-latency.svg'), 'utf8'));
    // A sample chart to look at: BENCH_SVG_SAMPLE=/tmp/x.svg npx jest bench/report.unit.spec.ts
    const sample = process.env.BENCH_SVG_SAMPLE;
    if (sample) writeFileSync(sample, readFileSync(join(out, 'publish-end-to-end-latency.svg')));
  });

  it('a filtered run writes partial-<filters>.* and leaves latest.* (the last complete run) alone', () => {
    writeFileSync(join(dir, 'latest.md'), 'the complete run');
    writeResults(dir, results, { ...meta, filters: ['durability', 'e2e'] });
    expect(readFileSync(join(dir, 'latest.md'), 'utf8')).toBe('the complete run');
    expect(JSON.parse(readFileSync(join(dir, 'partial-durability+e2e.json'), 'utf8')).complete).toBe(false);
  });

  it('gives distributions whose names clash distinct chart files', () => {
    const twin: BenchResult = {
      id: 'x',
      durationMs: 1,
      report: {
        bench: 'x',
        lines: [],
        distributions: [
          { name: 'a b', unit: 'ms', samples: [1] },
          { name: 'a/b', unit: 'ms', samples: [2] },
        ],
      },
    };
    writeResults(dir, [twin], meta);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.svg'))
        .sort(),
    ).toEqual(['x-a-b-2.svg', 'x-a-b.svg']);
  });
});
