import { decideWrites, parseProfileHealth, RegionHealth, UpstreamHealth, type WriteInputs } from './health';
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

  it('reads a degraded answer (alive, cannot store writes) as not accepting, not as a failed check', () => {
    const degraded = {
      status: 'degraded',
      region: 'us-east',
      writes: { accepting: false, role: 'active', epoch: 0, reason: 'BROKER_UNREACHABLE' },
      broker: { reachable: false, checkedAgoMs: 120, error: 'ECONNREFUSED' },
    };
    expect(parseProfileHealth(degraded, 'us-east')).toEqual({
      accepting: false,
      role: 'active',
      epoch: 0,
      reason: 'BROKER_UNREACHABLE',
    });
    // Belt and braces: either signal alone means not accepting.
    expect(parseProfileHealth({ status: 'degraded' }, 'us-east')).toEqual({
      accepting: false,
      reason: 'DEGRADED',
    });
    expect(
      parseProfileHealth(
        { status: 'ok', writes: { accepting: true }, broker: { reachable: false } },
        'us-east',
      ),
    ).toEqual({ accepting: false, reason: 'BROKER_UNREACHABLE' });
    // An older service without `broker`: writes.accepting is the truth.
    expect(parseProfileHealth({ status: 'ok', writes: { accepting: true } }, 'us-east')).toEqual({
      accepting: true,
    });
  });

  it('fails a non-ok status and an answer from another region (a wrong URL)', () => {
    expect(parseProfileHealth({ status: 'starting' }, 'us-east')).toMatch(/starting/);
    expect(parseProfileHealth({ status: 'ok', region: 'eu' }, 'us-east')).toMatch(/eu.*us-east/);
  });
});

describe('UpstreamHealth', () => {
  it('first observation decides; then unhealthy after N consecutive failures, healthy after one success', () => {
    const fresh = new UpstreamHealth(2);
    expect(fresh.failure('refused', 0)).toBe(true);
    expect(fresh.healthy).toBe(false);

    const h = new UpstreamHealth(2);
    h.success();
    expect(h.failure('x', 10)).toBe(false);
    expect(h.healthy).toBe(true);
    expect(h.failure('y', 20)).toBe(true);
    expect(h.healthy).toBe(false);
    expect(h.lastError).toEqual({ reason: 'y', at: 20 });
    expect(h.success()).toBe(true);
    expect(h.healthy).toBe(true);
    expect(h.consecutiveFailures).toBe(0);
  });

  it('forgets the last error on a success (no stale lastError on a healthy upstream)', () => {
    const h = new UpstreamHealth(2);
    h.failure('refused', 10);
    h.success();
    expect(h.lastError).toBeUndefined();
  });

  it('keeps an EWMA of the round trips', () => {
    const r = new RegionHealth('us-east', 2, 0.5, 1_000);
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

const MAX_AGE = 1_000;

/** A healthy profile-service whose health check sent at t=1000 said it accepts writes (epoch 3). */
function given(over: Partial<WriteInputs> = {}): WriteInputs {
  return {
    profileServiceHealthy: true,
    report: { writes: { accepting: true, role: 'active', epoch: 3 }, sentAt: 1_000 },
    refusal: undefined,
    maxAgeMs: MAX_AGE,
    ...over,
  };
}

describe('decideWrites (does a region take writes now)', () => {
  it('accepts while the last good answer said so and was sent at most maxAgeMs ago', () => {
    expect(decideWrites(given(), 1_000)).toEqual({
      accepting: true,
      role: 'active',
      epoch: 3,
      checkedAgoMs: 0,
    });
    expect(decideWrites(given(), 2_000).accepting).toBe(true);
  });

  it('stops accepting maxAgeMs after the send time of the last good answer (checks hang or fail)', () => {
    expect(decideWrites(given(), 2_001)).toEqual({
      accepting: false,
      reason: 'HEALTH_STALE',
      role: 'active',
      epoch: 3,
      checkedAgoMs: 1_001,
    });
  });

  it('never accepts on an unhealthy profile-service, however fresh the last answer', () => {
    expect(decideWrites(given({ profileServiceHealthy: false }), 1_000)).toMatchObject({
      accepting: false,
      reason: 'UNHEALTHY',
    });
  });

  it('does not accept before any answer', () => {
    expect(decideWrites(given({ report: undefined }), 1_000)).toEqual({
      accepting: false,
      reason: 'NOT_CHECKED',
    });
  });

  it('follows the answer: not accepting, with the service’s reason', () => {
    const report = { writes: { accepting: false, reason: 'BROKER_UNREACHABLE' }, sentAt: 1_000 };
    expect(decideWrites(given({ report }), 1_100)).toEqual({
      accepting: false,
      reason: 'BROKER_UNREACHABLE',
      checkedAgoMs: 100,
    });
  });

  it('a refusal not superseded by a newer check wins over an accepting answer', () => {
    expect(decideWrites(given({ refusal: { code: 'NOT_STORED' } }), 1_100)).toMatchObject({
      accepting: false,
      reason: 'NOT_STORED',
    });
  });
});

describe('RegionHealth (refusals and reports in order)', () => {
  const answer = { accepting: true };

  it('a refusal holds until a check sent after it answers; one already in flight does not clear it', () => {
    const r = new RegionHealth('us-east', 2, 0.5, MAX_AGE);
    r.reportWrites(answer, r.beginProfileCheck(), 1_000);
    const inFlight = r.beginProfileCheck(); // sent before the refusal...
    r.refuseWrites('NOT_WRITER');
    r.reportWrites(answer, inFlight, 1_050); // ...answers after it: says nothing about after it
    expect(r.writeStatus(1_100)).toMatchObject({ accepting: false, reason: 'NOT_WRITER' });
    r.reportWrites(answer, r.beginProfileCheck(), 1_200);
    expect(r.writeStatus(1_250).accepting).toBe(true);
  });

  it('ignores an answer older than the one it keeps', () => {
    const r = new RegionHealth('us-east', 2, 0.5, MAX_AGE);
    const slow = r.beginProfileCheck();
    const fast = r.beginProfileCheck();
    r.reportWrites({ accepting: false, reason: 'LEASE_LOST' }, fast, 1_100);
    r.reportWrites(answer, slow, 1_000);
    expect(r.writeStatus(1_200)).toMatchObject({ accepting: false, reason: 'LEASE_LOST' });
  });
});
