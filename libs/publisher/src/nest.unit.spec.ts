import { Test } from '@nestjs/testing';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventPublisher } from './publisher';
import { MeridianModule, PublisherErrorFilter, publisherErrorStatus } from './nest';
import { PublisherError } from './errors';

describe('MeridianModule', () => {
  it('forRoot makes EventPublisher injectable', async () => {
    const mod = await Test.createTestingModule({
      imports: [
        MeridianModule.forRoot({
          region: 'us-east',
          kafka: { brokers: ['127.0.0.1:1'] },
          registry: { url: 'http://127.0.0.1:1/apis/ccompat/v7' },
        }),
      ],
    }).compile();
    expect(mod.get(EventPublisher)).toBeInstanceOf(EventPublisher);
  });

  it('forRootAsync takes its options from @nestjs/config', async () => {
    const mod = await Test.createTestingModule({
      imports: [
        MeridianModule.forRootAsync({
          imports: [
            ConfigModule.forRoot({
              ignoreEnvFile: true,
              load: [
                () => ({
                  REGION: 'eu',
                  KAFKA: '127.0.0.1:1',
                  REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7',
                }),
              ],
            }),
          ],
          inject: [ConfigService],
          useFactory: (c: ConfigService) => ({
            region: c.getOrThrow<string>('REGION'),
            kafka: { brokers: [c.getOrThrow<string>('KAFKA')] },
            registry: { url: c.getOrThrow<string>('REGISTRY_URL') },
          }),
        }),
      ],
    }).compile();
    expect(mod.get(EventPublisher)).toBeInstanceOf(EventPublisher);
  });

  it('rejects a bad configuration at start-up, naming the field', () => {
    expect(
      () =>
        new EventPublisher({ region: 'US East', kafka: { brokers: ['x:1'] }, registry: { url: 'http://x' } }),
    ).toThrow(/region/);
    expect(
      () => new EventPublisher({ region: 'eu', kafka: { brokers: [] }, registry: { url: 'http://x' } }),
    ).toThrow(PublisherError);
  });
});

describe('PublisherErrorFilter', () => {
  function answer(e: PublisherError) {
    const sent: { status?: number; body?: unknown; headers: Record<string, string> } = { headers: {} };
    const res = {
      setHeader: (k: string, v: string) => (sent.headers[k] = v),
      status: (s: number) => {
        sent.status = s;
        return { json: (b: unknown) => (sent.body = b) };
      },
    };
    new PublisherErrorFilter().catch(e, {
      switchToHttp: () => ({ getResponse: () => res }),
    } as never);
    return sent;
  }

  it('a remote write stored here but not confirmed elsewhere is a 504 that says stored: local, never a 2xx', () => {
    const e = new PublisherError('REMOTE_UNCONFIRMED', 'stored in us-east but …', { retriable: true });
    expect(publisherErrorStatus(e)).toBe(504);
    expect(answer(e)).toEqual({
      status: 504,
      headers: {},
      body: expect.objectContaining({ error: 'REMOTE_UNCONFIRMED', stored: 'local' }),
    });
  });

  it('remote durability where none can be confirmed: 503 without Retry-After, nothing stored', () => {
    const s = answer(new PublisherError('DURABILITY_UNAVAILABLE', 'no region mirrors us-east'));
    expect(s).toEqual({
      status: 503,
      headers: {},
      body: expect.objectContaining({ error: 'DURABILITY_UNAVAILABLE', stored: false }),
    });
  });
});
