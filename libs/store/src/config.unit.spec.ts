import {
  createProjectionStore,
  regionSchema,
  storeConfigFromUrl,
  StoreConfigError,
  type StoreConfig,
} from './index';

function configError(config: unknown): StoreConfigError {
  try {
    createProjectionStore(config as StoreConfig);
  } catch (e) {
    if (e instanceof StoreConfigError) return e;
    throw e;
  }
  throw new Error('expected a StoreConfigError');
}

describe('store configuration is validated at construction', () => {
  it.each([
    [{ kind: 'mysql' }, 'kind', "must be 'sqlite' or 'postgres'"],
    [null, 'kind', "must be 'sqlite' or 'postgres'"],
    [{ kind: 'sqlite', file: '' }, 'file', "':memory:'"],
    [{ kind: 'sqlite', file: 'a.db', synchronous: 'off' }, 'synchronous', "'full' or 'normal'"],
    [{ kind: 'sqlite', file: 'a.db', busyTimeoutMs: -1 }, 'busyTimeoutMs', 'integer in 0..600000'],
    [{ kind: 'postgres', schema: 'meridian_us_east' }, 'connectionString', 'postgres://'],
    [
      { kind: 'postgres', connectionString: 'postgres://x/db', schema: 'Us-East' },
      'schema',
      'meridian_us_east',
    ],
    [
      { kind: 'postgres', connectionString: 'postgres://x/db', schema: 'a"; drop' },
      'schema',
      'lowercase identifier',
    ],
    [
      { kind: 'postgres', connectionString: 'postgres://x/db', schema: 's', poolSize: 0 },
      'poolSize',
      '1..100',
    ],
  ])('%j -> %s', (config, field, hint) => {
    const e = configError(config);
    expect(e).toMatchObject({ code: 'INVALID_CONFIG', retriable: false, field });
    expect(e.message).toContain(`\`${field}\``);
    expect(e.message).toContain(hint);
  });

  it('accepts valid configurations without touching the database', () => {
    expect(() => createProjectionStore({ kind: 'sqlite', file: ':memory:' })).not.toThrow();
    expect(() =>
      createProjectionStore({
        kind: 'postgres',
        connectionString: 'postgres://nowhere:1/db',
        schema: 'meridian_eu',
      }),
    ).not.toThrow();
  });
});

describe('PostgresProjectionStore without a server', () => {
  it('reports a refused connection as retriable STORE_UNAVAILABLE', async () => {
    // Port 1 on loopback: nothing listens, so the connection is refused at once.
    const s = createProjectionStore({
      kind: 'postgres',
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      schema: 'meridian_nowhere',
      connectTimeoutMs: 1_000,
    });
    await expect(s.init()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    await s.close();
  });
});

describe('storeConfigFromUrl', () => {
  it('reads sqlite:<file> and postgres:// (or postgresql://) URLs', () => {
    expect(storeConfigFromUrl('sqlite:/tmp/x.db', 's')).toEqual({ kind: 'sqlite', file: '/tmp/x.db' });
    expect(storeConfigFromUrl('postgresql://u@h:5432/db', 'meridian_eu')).toEqual({
      kind: 'postgres',
      connectionString: 'postgresql://u@h:5432/db',
      schema: 'meridian_eu',
    });
  });

  it.each(['sqlite:', 'mysql://h/db', 'postgres://', '/tmp/x.db'])(
    'refuses %j, naming the setting',
    (url) => {
      expect(() => storeConfigFromUrl(url, 's', '--store')).toThrow(
        expect.objectContaining({
          code: 'INVALID_CONFIG',
          message: expect.stringMatching(
            /^store config `--store`: must be sqlite:<file> or postgres:.*, got /,
          ),
        }),
      );
    },
  );

  it('names a region schema the way the projector does', () => {
    expect(regionSchema('meridian', 'us-east')).toBe('meridian_us_east');
  });
});
