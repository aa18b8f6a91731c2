import { Registry } from 'prom-client';
import { PositionAheadOfLogError } from '@meridian/projector';
import { loadConfig } from './config';
import { Projector } from './projector';

describe('Projector on a fatal consumer error', () => {
  const config = loadConfig({
    REGION: 'us-east',
    KAFKA_BROKERS: '127.0.0.1:1',
    REGISTRY_URL: 'http://127.0.0.1:1',
    STORE: 'sqlite::memory:',
    FATAL_EXIT_DELAY_MS: '15000',
  });
  let projector: Projector;
  let metrics: Registry;
  beforeEach(() => {
    jest.useFakeTimers();
    metrics = new Registry();
    projector = new Projector(config, metrics);
    projector.log.level = 'silent';
  });
  afterEach(async () => {
    jest.useRealTimers();
    await projector.store.close();
  });

  it('counts a position ahead of the log and exits non-zero once the metric could be scraped', async () => {
    const exits: number[] = [];
    projector.fatal(
      new PositionAheadOfLogError('us-west.meridian.profile', 2, '500', '3', '0'),
      (code) => void exits.push(code),
    );
    const text = await metrics.metrics();
    expect(text).toContain(
      'meridian_projector_position_ahead_of_log_total{region="us-east",topic="us-west.meridian.profile",partition="2"} 1',
    );
    expect(exits).toEqual([]);
    jest.advanceTimersByTime(15_000);
    expect(exits).toEqual([1]);
  });

  it('exits non-zero at once on any other fatal error', () => {
    const exits: number[] = [];
    projector.fatal(new Error('boom'), (code) => void exits.push(code));
    expect(exits).toEqual([1]);
  });
});
