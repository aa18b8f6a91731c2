import { loadConfig } from './config';

describe('projector config', () => {
  const env = {
    REGION: 'us-east',
    KAFKA_BROKERS: '127.0.0.1:19092',
    REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
    STORE: 'sqlite:/tmp/p.db',
  };

  it('keeps the failpoint endpoint off unless asked', () => {
    expect(loadConfig(env).FAILPOINTS_HTTP).toBe(false);
    expect(loadConfig({ ...env, FAILPOINTS_HTTP: 'true' }).FAILPOINTS_HTTP).toBe(true);
  });

  it('names the variable when FAILPOINTS_HTTP is not a boolean', () => {
    expect(() => loadConfig({ ...env, FAILPOINTS_HTTP: 'yes' })).toThrow(/FAILPOINTS_HTTP: true or false/);
  });
});
