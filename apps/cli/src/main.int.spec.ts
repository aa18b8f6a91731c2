/**
 * The compiled CLI (`npm test` builds it) loads only the command it runs: `meridian --help` loads no
 * command module, `meridian <command> …` loads that command's alone. Timing is the bench's
 * (`bench/cli.bench.ts`); this checks the cause.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'meridian-cli-'));
// Preloaded into the CLI process: on exit, print which command modules it loaded.
const hook = join(dir, 'hook.js');
writeFileSync(
  hook,
  `process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(require.cache).filter((p) => p.endsWith('.command.js')).map((p) => require('node:path').basename(p)).sort()) + '\\n'));`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { status: number | null; stdout: string; loaded: string[] } {
  const r = spawnSync(process.execPath, ['-r', hook, join(root, 'bin', 'meridian.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  const line = /\nLOADED (.*)\n/.exec(r.stderr);
  if (!line) throw new Error(`no module list from meridian ${args.join(' ')}: ${r.stderr}`);
  return { status: r.status, stdout: r.stdout, loaded: JSON.parse(line[1]!) as string[] };
}

describe('meridian loads the command it runs, and only that one', () => {
  it('--help lists every command with its description and loads none of them', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    for (const c of ['local', 'schemas', 'models', 'rpo', 'sla', 'replay', 'dlq', 'failover', 'failback'])
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b.*\\S`, 'm'));
    expect(r.stdout).toContain('RPO per flow (records and time)');
    expect(r.loaded).toEqual([]);
  });

  it.each([
    [['rpo', '--help'], ['rpo.command.js']],
    [['help', 'models'], ['models.command.js']],
    [['failback', '--help'], ['failover.command.js']],
    // `local` brings its `wan` subcommand along, nothing else.
    [
      ['local', '--help'],
      ['local.command.js', 'wan.command.js'],
    ],
  ])('meridian %j loads %j', (args, modules) => {
    const r = cli(...args);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: meridian');
    expect(r.loaded).toEqual(modules);
  });

  it("a command's help keeps its description and options", () => {
    const r = cli('rpo', '--help');
    expect(r.stdout).toContain('RPO per flow (records and time)');
    expect(r.stdout).toContain('--json');
  });

  it('an unknown command fails naming it, loading nothing', () => {
    const r = cli('frobnicate');
    expect(r.status).not.toBe(0);
    expect(r.loaded).toEqual([]);
  });
});
