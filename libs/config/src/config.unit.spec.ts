import { z } from 'zod';
import { loadEnv, regionalEnv } from '@meridian/config';

describe('loadEnv', () => {
  it('parses and converts', () => {
    const c = loadEnv(
      'svc',
      { ...regionalEnv, PORT: z.coerce.number().default(1) },
      {
        REGION: 'eu',
        KAFKA_BROKERS: 'a:1, b:2',
        REGISTRY_URL: 'http://r:1/apis/ccompat/v7',
      },
    );
    expect(c).toEqual({
      REGION: 'eu',
      KAFKA_BROKERS: ['a:1', 'b:2'],
      REGISTRY_URL: 'http://r:1/apis/ccompat/v7',
      PORT: 1,
    });
  });

  it('names every bad variable in one message', () => {
    expect(() => loadEnv('svc', regionalEnv, { REGION: 'EU West', REGISTRY_URL: 'nope' })).toThrow(
      /svc configuration is invalid:\n {2}REGION: .*\n {2}KAFKA_BROKERS: .*\n {2}REGISTRY_URL: /,
    );
  });
});
