/**
 * The generated Prometheus config and alert rules against Prometheus's own tool (`promtool`, Debian
 * `prometheus`): both valid, and every alert's unit tests (infra/prometheus/tests/) pass — firing
 * and not firing. A copy of the tests with one expectation changed must fail, so a passing run
 * means the expectations were checked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@meridian/topology';

const root = findRepoRoot();
const promtool = (...args: string[]) => {
  const r = spawnSync('promtool', args, { cwd: root, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool not found: install it (Debian: apt-get install prometheus)`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

describe.each(['active-active', 'active-passive'])('Prometheus for %s', (name) => {
  const dir = join('infra', 'prometheus', 'generated', name);

  it('the config and its rules are valid', () => {
    const config = promtool('check', 'config', join(dir, 'prometheus.yml'));
    expect(config).toMatchObject({ status: 0 });
    // Every rule of the file was loaded (alerts and the anomaly baselines' recording rules).
    const rules = readFileSync(join(root, dir, 'rules.yml'), 'utf8').match(/^ {6}- (alert|record):/gm) ?? [];
    expect(rules.length).toBeGreaterThanOrEqual(16);
    expect(config.out).toContain(`${rules.length} rules found`);
  });
});

describe('alert rule unit tests (promtool test rules)', () => {
  const tests = join('infra', 'prometheus', 'tests', 'active-active.test.yml');

  it('every alert fires where it should and nowhere else', () => {
    const r = promtool('test', 'rules', tests);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('a wrong expectation fails the run, naming the alert', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-promtool-'));
    try {
      const broken = readFileSync(join(root, tests), 'utf8')
        .replace(
          '../generated/active-active/rules.yml',
          join(root, 'infra/prometheus/generated/active-active/rules.yml'),
        )
        .replace(
          'exp_labels: { severity: page, source: us-west, target: eu }',
          'exp_labels: { severity: page, source: us-east, target: eu }',
        );
      const file = join(dir, 'broken.test.yml');
      writeFileSync(file, broken);
      const r = promtool('test', 'rules', file);
      expect(r.status).not.toBe(0);
      expect(r.out).toContain('MeridianRpoBreach');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
