import { parseTopology } from '@meridian/topology';
import { loadConfig, planGateway } from './config';

const region = (name: string, n: number) => ({
  name,
  kafka: { port: n * 1000 + 92, controllerPort: n * 1000 + 93 },
  profileService: { port: n * 1000 + 90 },
  projector: { port: n * 1000 + 70 },
});

const withGateway = parseTopology({
  name: 'two',
  regions: [region('us-east', 18), region('us-west', 28)],
  gateway: { port: 18000, region: 'us-west' },
});
const without = parseTopology({ name: 'bare', regions: [region('us-east', 18)] });

describe('gateway config', () => {
  it('takes port and region from the topology by default', () => {
    const plan = planGateway(loadConfig({}), withGateway);
    expect(plan.port).toBe(18000);
    expect(plan.gatewayRegion).toBe('us-west');
    expect(plan.regions.map((r) => r.profileServiceUrl)).toEqual([
      'http://127.0.0.1:18090',
      'http://127.0.0.1:28090',
    ]);
    expect(plan.settings).toEqual({});
  });

  it('lets the environment override port, region and knobs (a rate limit alone sets the burst too)', () => {
    const plan = planGateway(
      loadConfig({
        PORT: '0',
        GATEWAY_REGION: 'us-east',
        STICKY_MS: '5000',
        HEALTH_INTERVAL_MS: '250',
        WRITE_STATUS_MAX_AGE_MS: '900',
        RATE_LIMIT_PER_SEC: '100',
        MAX_IN_FLIGHT: '64',
        DRAIN_TIMEOUT_MS: '2000',
      }),
      withGateway,
    );
    expect(plan.port).toBe(0);
    expect(plan.gatewayRegion).toBe('us-east');
    expect(plan.settings).toEqual({
      stickyMs: 5000,
      healthIntervalMs: 250,
      writeStatusMaxAgeMs: 900,
      rateLimitPerSec: 100,
      rateLimitBurst: 100,
      maxInFlight: 64,
      drainTimeoutMs: 2000,
    });
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ MAX_IN_FLIGHT: '0', PORT: 'x' })).toThrow(
      /MAX_IN_FLIGHT[\s\S]*PORT|PORT[\s\S]*MAX_IN_FLIGHT/,
    );
  });

  it('asks for GATEWAY_REGION and PORT when the topology has no gateway section', () => {
    expect(() => planGateway(loadConfig({}), without)).toThrow(
      /no gateway section: set GATEWAY_REGION and PORT/,
    );
    expect(planGateway(loadConfig({ GATEWAY_REGION: 'us-east', PORT: '18000' }), without).port).toBe(18000);
  });
});
