import { parseProfileHealth, RegionHealth, UpstreamHealth } from './health';
import { classifyFailure } from './upstream';

describe('parseProfileHealth', () => {
  it('treats missing fields as defaults: no writes section means accepting', () => {
    expect(parseProfileHealth({ status: 'ok' }, 'us-east')).toEqual({ accepting: true });
    expect(parseProfileHealth(undefined, 'us-east')).toEqual({ accepting: true });
    expect(parseProfileHealth({ writes: {} }, 'us-east')).toEqual({ accepting: true });
  });

  it('reads the writes section', () => {
    expect(
      parseProfileHealth(
        {
          status: 'ok',
          region: 'us-east',
          writes: { accepting: false, role: 'standby', epoch: 3, reason: 'NOT_PRIMARY' },
        },
        'us-east',
      ),
    ).toEqual({ accepting: false, role: 'standby', epoch: 3, reason: 'NOT_PRIMARY' });
  });

  it('fails a non-ok status and an answer from another region (a wrong URL)', () => {
    expect(parseProfileHealth({ status: 'starting' }, 'us-east')).toMatch(/starting/);
    expect(parseProfileHealth({ status: 'ok', region: 'eu' }, 'us-east')).toMatch(/eu.*us-east/);
  });
});

describe('UpstreamHealth', () => {
  it('first observation decides; then unhealthy after N consecutive failures, healthy after one success', () => {
    const fresh = new UpstreamHealth(2);
    expect(fresh.failure('refused')).toBe(true);
    expect(fresh.healthy).toBe(false);

    const h = new UpstreamHealth(2);
    h.success();
    expect(h.failure('x')).toBe(false);
    expect(h.healthy).toBe(true);
    expect(h.failure('y')).toBe(true);
    expect(h.healthy).toBe(false);
    expect(h.lastError).toBe('y');
    expect(h.success()).toBe(true);
    expect(h.healthy).toBe(true);
    expect(h.consecutiveFailures).toBe(0);
  });

  it('keeps an EWMA of the round trips', () => {
    const r = new RegionHealth('us-east', 2, 0.5);
    r.recordRtt(100);
    r.recordRtt(20);
    expect(r.rttMs).toBe(60);
  });
});

describe('classifyFailure', () => {
  it('tells never-sent failures from ambiguous ones', () => {
    expect(classifyFailure(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe('not-sent');
    expect(classifyFailure(Object.assign(new Error('open'), { code: 'EOPENBREAKER' }))).toBe('not-sent');
    expect(classifyFailure(Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe(
      'timeout',
    );
    expect(classifyFailure(Object.assign(new Error('closed'), { code: 'UND_ERR_SOCKET' }))).toBe('reset');
    expect(classifyFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe('reset');
    expect(classifyFailure(new Error('mystery'))).toBe('reset');
  });
});
