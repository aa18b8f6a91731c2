import { Test } from '@nestjs/testing';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventPublisher } from './publisher';
import { MeridianModule } from './nest';
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
