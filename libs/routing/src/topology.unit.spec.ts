import { parseTopology } from '@meridian/topology';
import { regionsFromTopology } from './topology';

const region = (name: string, n: number, wanPortBase: number) => ({
  name,
  kafka: { port: n * 1000 + 92, controllerPort: n * 1000 + 93 },
  profileService: { port: n * 1000 + 90 },
  projector: { port: n * 1000 + 70 },
  wanPortBase,
});

describe('regionsFromTopology', () => {
  const t = parseTopology({
    name: 'three',
    regions: [region('us-east', 18, 19400), region('us-west', 28, 29400), region('eu', 31, 31400)],
    wan: { controlPort: 19300 },
    gateway: { port: 18000, region: 'us-east' },
  });

  it('dials its own region directly and the others through the WAN proxy of their link', () => {
    expect(regionsFromTopology(t, 'us-east')).toEqual([
      {
        name: 'us-east',
        profileServiceUrl: 'http://127.0.0.1:18090',
        projectorUrl: 'http://127.0.0.1:18070',
      },
      // us-west's base 29400 + 20 (profile-service) / + 30 (projector) + index of the calling region (0)
      {
        name: 'us-west',
        profileServiceUrl: 'http://127.0.0.1:29420',
        projectorUrl: 'http://127.0.0.1:29430',
      },
      { name: 'eu', profileServiceUrl: 'http://127.0.0.1:31420', projectorUrl: 'http://127.0.0.1:31430' },
    ]);
    expect(regionsFromTopology(t, 'eu')[0]).toEqual({
      name: 'us-east',
      profileServiceUrl: 'http://127.0.0.1:19422',
      projectorUrl: 'http://127.0.0.1:19432',
    });
  });

  it('rejects a gateway region the topology does not have', () => {
    expect(() => regionsFromTopology(t, 'mars')).toThrow(/mars/);
  });
});
