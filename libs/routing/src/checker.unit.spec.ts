import pino from 'pino';
import { HealthChecker, type HealthProbe } from './checker';
import { RegionHealth } from './health';

/** A health endpoint answering what the test sets, or hanging until `release()`. */
class FakeProbe implements HealthProbe {
  body: unknown = { status: 'ok', region: 'us-east', writes: { accepting: true, role: 'active', epoch: 0 } };
  fail: Error | undefined;
  hang = false;
  private waiting: (() => void)[] = [];

  check(): Promise<{ rttMs: number; body: unknown }> {
    if (this.fail) return Promise.reject(this.fail);
    const answer = { rttMs: 1, body: this.body };
    if (!this.hang) return Promise.resolve(answer);
    return new Promise((resolve) => this.waiting.push(() => resolve(answer)));
  }

  release(): void {
    for (const w of this.waiting.splice(0)) w();
  }
}

const MAX_AGE = 1_000;

/** Given us-east checked once at t=0, accepting; a fake clock the test moves. */
async function given() {
  const clock = { now: 0 };
  const health = new RegionHealth('us-east', 2, 0.3, MAX_AGE);
  const profileService = new FakeProbe();
  const projector = new FakeProbe();
  const checker = new HealthChecker(
    [{ health, upstreams: { profileService, projector } }],
    { intervalMs: 250, timeoutMs: 750, now: () => clock.now },
    pino({ level: 'silent' }),
  );
  const target = { health, upstreams: { profileService, projector } };
  const check = () => checker.checkOne(target, 'profileService');
  await check();
  expect(health.writeStatus(clock.now).accepting).toBe(true);
  return { clock, health, profileService, check };
}

describe('HealthChecker → write status (fake clock, fake upstreams)', () => {
  it('stops writes on the first answer that says degraded, keeping the upstream healthy for reads', async () => {
    const { clock, health, profileService, check } = await given();
    profileService.body = {
      status: 'degraded',
      region: 'us-east',
      writes: { accepting: false, role: 'active', epoch: 0, reason: 'BROKER_UNREACHABLE' },
      broker: { reachable: false, checkedAgoMs: 50 },
    };
    clock.now = 250;
    await check();
    expect(health.writeStatus(clock.now)).toMatchObject({ accepting: false, reason: 'BROKER_UNREACHABLE' });
    expect(health.services.profileService).toMatchObject({ healthy: true, consecutiveFailures: 0 });
  });

  it('stops writes maxAgeMs after the last good check was sent while the next one hangs', async () => {
    const { clock, health, profileService, check } = await given();
    profileService.hang = true;
    clock.now = 250;
    const hung = check(); // sent at 250, no answer
    clock.now = MAX_AGE; // age of the last good answer (sent at 0): exactly the bound
    expect(health.writeStatus(clock.now).accepting).toBe(true);
    clock.now = MAX_AGE + 1;
    expect(health.writeStatus(clock.now)).toMatchObject({ accepting: false, reason: 'HEALTH_STALE' });
    // The hung check answers at last: it speaks for its send time (250), fresh again until 1250.
    profileService.release();
    await hung;
    expect(health.writeStatus(clock.now).accepting).toBe(true);
    expect(health.writeStatus(1_251).accepting).toBe(false);
  });

  it('a failing check stops writes within maxAgeMs, and at once when it makes the upstream unhealthy', async () => {
    const { clock, health, profileService, check } = await given();
    profileService.fail = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    clock.now = 250;
    await check(); // one failure: still healthy (unhealthyAfterFailures 2)
    expect(health.services.profileService.healthy).toBe(true);
    expect(health.writeStatus(clock.now).accepting).toBe(true);
    clock.now = 500;
    await check();
    expect(health.writeStatus(clock.now)).toMatchObject({ accepting: false, reason: 'UNHEALTHY' });
  });

  it('a passive refusal holds until the next good check, then that check decides', async () => {
    const { clock, health, check } = await given();
    clock.now = 100;
    health.refuseWrites('NOT_STORED');
    expect(health.writeStatus(clock.now)).toMatchObject({ accepting: false, reason: 'NOT_STORED' });
    clock.now = 250;
    await check();
    expect(health.writeStatus(clock.now).accepting).toBe(true);
  });
});
