import { Registry } from 'prom-client';
import { counter, gauge, histogram } from './metrics';

describe('get-or-create metrics', () => {
  it('gives the same metric for the same name, so two owners share one series', async () => {
    const r = new Registry();
    const a = counter(r, { name: 'x_total', help: 'x', labelNames: ['region'] });
    const b = counter(r, { name: 'x_total', help: 'x', labelNames: ['region'] });
    expect(b).toBe(a);
    a.inc({ region: 'eu' });
    b.inc({ region: 'eu' });
    expect((await r.getSingleMetricAsString('x_total')).split('\n')).toContain('x_total{region="eu"} 2');
    expect(gauge(r, { name: 'g', help: 'g' })).toBe(gauge(r, { name: 'g', help: 'g' }));
    expect(histogram(r, { name: 'h', help: 'h' })).toBe(histogram(r, { name: 'h', help: 'h' }));
  });
});
