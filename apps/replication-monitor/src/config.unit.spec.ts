import { loadConfig } from './config';

describe('replication-monitor config', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      TOPOLOGY: 'active-active',
      PORT: 19100,
      SAMPLE_INTERVAL_MS: 500,
      SLA_PROBE_RATE_PER_SECOND: 0,
      SLA_PROBE_CONTROL_HTTP: false,
    });
  });

  it('refuses an operator token too short to be one', () => {
    expect(() => loadConfig({ DASHBOARD_OPERATOR_TOKEN: 'short' })).toThrow(
      /DASHBOARD_OPERATOR_TOKEN: at least 16/,
    );
  });

  it('names a bad variable, with what it must be', () => {
    expect(() => loadConfig({ SAMPLE_INTERVAL_MS: '5' })).toThrow(/SAMPLE_INTERVAL_MS: .*(10|greater)/);
  });
});
