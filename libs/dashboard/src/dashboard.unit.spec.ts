import { loadTopology, findRepoRoot } from '@meridian/topology';
import type { Quorum } from '@meridian/quorum';
import { DashboardError, FailoverRunner } from './failover-runner';
import { DashboardSource } from './state';
import { DASHBOARD_HTML } from './page';

// Ports nobody listens on: every probe fails fast (connection refused).
process.env.MERIDIAN_PORT_OFFSET = '7000';
const t = loadTopology('active-passive', findRepoRoot());
delete process.env.MERIDIAN_PORT_OFFSET;

const runner = (operatorToken?: string) =>
  new FailoverRunner({
    topology: t,
    // Never reached: every case here is refused before a failover starts.
    quorum: {} as Quorum,
    flows: () => [],
    ...(operatorToken !== undefined ? { operatorToken } : {}),
  });

const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return e instanceof DashboardError ? `${e.code} ${e.httpStatus}` : String(e);
  }
};

describe('FailoverRunner refuses before anything happens', () => {
  const token = 'a-token-of-some-length';
  it('without a configured token the action is disabled (403)', () => {
    expect(codeOf(() => runner().authorise(`Bearer ${token}`))).toBe('FAILOVER_DISABLED 403');
  });
  it('a missing, malformed or wrong token is 401', () => {
    const r = runner(token);
    expect(codeOf(() => r.authorise(undefined))).toBe('UNAUTHORISED 401');
    expect(codeOf(() => r.authorise(token))).toBe('UNAUTHORISED 401');
    expect(codeOf(() => r.authorise('Bearer a-token-of-some-lengtX'))).toBe('UNAUTHORISED 401');
    expect(codeOf(() => r.authorise(`Bearer ${token}x`))).toBe('UNAUTHORISED 401');
    expect(codeOf(() => r.authorise(`Bearer ${token}`))).toBe('accepted');
  });
  it('names the field: an unknown region, a confirmation that does not repeat it, no operator', () => {
    const r = runner(token);
    const msg = (body: Record<string, unknown>) => {
      try {
        r.start(body);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(msg({ to: 'mars', confirm: 'mars', operator: 'ada' })).toMatch(/^to: one of us-east, us-west, eu/);
    expect(msg({ to: 'us-west', confirm: 'us-wes', operator: 'ada' })).toMatch(/^confirm: /);
    expect(msg({ to: 'us-west', confirm: 'us-west' })).toMatch(/^operator: /);
    expect(msg({ to: 'us-west', confirm: 'us-west', operator: 'a b' })).toMatch(/^operator: /);
  });
});

describe('DashboardSource', () => {
  it('shows every region down and says what it could not read, rather than stale figures', async () => {
    const s = new DashboardSource({ topology: t, flows: () => [], probeTimeoutMs: 300 });
    const state = await s.snapshot();
    expect(state.phase).toBe('A');
    expect(state.regions.map((r) => `${r.name}:${r.status}`)).toEqual([
      'us-east:down',
      'us-west:down',
      'eu:down',
    ]);
    expect(state.regions.every((r) => r.writesPerSecond === undefined)).toBe(true);
    expect(state.errors).toEqual(expect.arrayContaining(['gateway: not answering']));
    expect(state.errors.some((e) => e.startsWith('prometheus: '))).toBe(true);
    expect(state.sla?.error).toBeDefined();
  });
});

describe('the page', () => {
  it('never parses API data as HTML', () => {
    expect(DASHBOARD_HTML).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
