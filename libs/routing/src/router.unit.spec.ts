import { NoEligibleRegionError, UnknownRegionError } from './errors';
import type { RegionSnapshot } from './health';
import { Router } from './router';

function region(name: string, over: Partial<RegionSnapshot> = {}): RegionSnapshot {
  const ok = { healthy: true, breaker: 'closed' as const, consecutiveFailures: 0 };
  return {
    name,
    profileService: { ...ok },
    projector: { ...ok },
    writes: { accepting: true },
    rttMs: 10,
    inFlight: 0,
    ...over,
  };
}

const read = { service: 'projector' as const, write: false };
const write = { service: 'profileService' as const, write: true };

describe('Router', () => {
  const names = ['us-east', 'us-west', 'eu'];
  let router: Router;
  beforeEach(() => {
    router = new Router(names, { stickyMs: 30_000, maxStickySessions: 3 });
  });

  it('given no preference, picks the eligible region with the lowest RTT and orders the rest by RTT', () => {
    const snaps = [
      region('us-east', { rttMs: 90 }),
      region('us-west', { rttMs: 5 }),
      region('eu', { rttMs: 40 }),
    ];
    expect(router.choose(read, snaps, 0)).toEqual({
      region: 'us-west',
      reason: 'nearest',
      candidates: ['us-west', 'eu', 'us-east'],
    });
  });

  it('puts unmeasured regions last, ties in configured order', () => {
    const snaps = [
      region('us-east', { rttMs: undefined }),
      region('us-west', { rttMs: 7 }),
      region('eu', { rttMs: 7 }),
    ];
    expect(router.choose(read, snaps, 0).candidates).toEqual(['us-west', 'eu', 'us-east']);
  });

  it('honours the home region even when it is not the nearest', () => {
    const snaps = [
      region('us-east', { rttMs: 1 }),
      region('us-west', { rttMs: 50 }),
      region('eu', { rttMs: 90 }),
    ];
    const c = router.choose({ ...read, homeRegion: 'eu' }, snaps, 0);
    expect(c.region).toBe('eu');
    expect(c.reason).toBe('home');
    expect(c.candidates).toEqual(['eu', 'us-east', 'us-west']);
  });

  it('fails over from an unhealthy home region to the nearest eligible one', () => {
    const snaps = [
      region('us-east', { rttMs: 1 }),
      region('us-west', { rttMs: 50 }),
      region('eu', { projector: { healthy: false, breaker: 'closed', consecutiveFailures: 2 } }),
    ];
    expect(router.choose({ ...read, homeRegion: 'eu' }, snaps, 0)).toMatchObject({
      region: 'us-east',
      reason: 'failover',
    });
  });

  it('rejects an unknown home region naming the header and the known regions', () => {
    expect(() => router.choose({ ...read, homeRegion: 'mars' }, [region('us-east')], 0)).toThrow(
      UnknownRegionError,
    );
    expect(() => router.choose({ ...read, homeRegion: 'mars' }, [region('us-east')], 0)).toThrow(
      /X-Meridian-Region.*mars.*us-east, us-west, eu/,
    );
  });

  it('sends writes only to regions accepting writes; reads to any healthy region', () => {
    const snaps = [
      region('us-east', { rttMs: 1, writes: { accepting: false, role: 'standby', reason: 'NOT_PRIMARY' } }),
      region('us-west', { rttMs: 50, writes: { accepting: true, role: 'primary' } }),
      region('eu', { rttMs: 20, writes: { accepting: false, role: 'standby' } }),
    ];
    expect(router.choose(write, snaps, 0).candidates).toEqual(['us-west']);
    expect(router.choose(read, snaps, 0).region).toBe('us-east');
  });

  it('skips regions whose breaker is open, and judges the upstream the request needs', () => {
    const snaps = [
      region('us-east', { rttMs: 1, projector: { healthy: true, breaker: 'open', consecutiveFailures: 0 } }),
      region('us-west', {
        rttMs: 2,
        profileService: { healthy: false, breaker: 'closed', consecutiveFailures: 2 },
      }),
      region('eu', { rttMs: 3 }),
    ];
    expect(router.choose(read, snaps, 0).candidates).toEqual(['us-west', 'eu']);
    expect(router.choose({ service: 'profileService', write: false }, snaps, 0).candidates).toEqual([
      'us-east',
      'eu',
    ]);
  });

  it('says why when no region is eligible', () => {
    const snaps = [
      region('us-east', { writes: { accepting: false } }),
      region('us-west', { profileService: { healthy: false, breaker: 'closed', consecutiveFailures: 2 } }),
      region('eu', { profileService: { healthy: true, breaker: 'open', consecutiveFailures: 0 } }),
    ];
    let caught: unknown;
    try {
      router.choose(write, snaps, 0);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NoEligibleRegionError);
    expect((caught as NoEligibleRegionError).reasons).toEqual({
      'us-east': 'not-accepting-writes',
      'us-west': 'unhealthy',
      eu: 'breaker-open',
    });
    expect((caught as NoEligibleRegionError).httpStatus).toBe(503);
  });

  it('keeps a session on the region of its last write for stickyMs, unless that region is ineligible', () => {
    const snaps = [
      region('us-east', { rttMs: 1 }),
      region('us-west', { rttMs: 50 }),
      region('eu', { rttMs: 90 }),
    ];
    router.recordWrite('s1', 'eu', 1_000);
    expect(router.choose({ ...read, session: 's1' }, snaps, 1_000 + 29_999)).toMatchObject({
      region: 'eu',
      reason: 'sticky',
    });
    expect(router.choose({ ...read, session: 'other' }, snaps, 2_000).region).toBe('us-east');
    // expired
    expect(router.choose({ ...read, session: 's1' }, snaps, 1_000 + 30_000)).toMatchObject({
      region: 'us-east',
      reason: 'nearest',
    });
    router.recordWrite('s2', 'eu', 0);
    const euDown = [
      snaps[0]!,
      snaps[1]!,
      region('eu', { projector: { healthy: false, breaker: 'closed', consecutiveFailures: 2 } }),
    ];
    expect(router.choose({ ...read, session: 's2' }, euDown, 1)).toMatchObject({
      region: 'us-east',
      reason: 'failover',
    });
  });

  it('the home region header wins over the sticky session', () => {
    const snaps = [region('us-east'), region('us-west'), region('eu')];
    router.recordWrite('s', 'eu', 0);
    expect(router.choose({ ...read, session: 's', homeRegion: 'us-west' }, snaps, 1).region).toBe('us-west');
  });

  it('forgets the oldest sessions beyond maxStickySessions', () => {
    for (const s of ['a', 'b', 'c', 'd']) router.recordWrite(s, 'eu', 0);
    expect(router.stickySessions).toBe(3);
    expect(router.stickyRegion('a', 1)).toBeUndefined();
    expect(router.stickyRegion('d', 1)).toBe('eu');
  });
});
