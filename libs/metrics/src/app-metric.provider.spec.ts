import { register } from 'prom-client';
import type { Counter } from 'prom-client';
import { appCounterProvider } from './app-metric.provider';
import { MetricsService } from './metrics.service';

describe('appCounterProvider', () => {
  const provider = appCounterProvider({
    name: 'spec_things_total',
    help: 'Things',
    labelNames: ['kind'],
  });

  it('puts each app its own counter, in its own registry and not in the global one', async () => {
    const a = new MetricsService();
    const b = new MetricsService();
    // The library's factory takes its (optional) module options first.
    const counterA = provider.useFactory(a, undefined) as Counter<'kind'>;
    const counterB = provider.useFactory(b, undefined) as Counter<'kind'>;
    counterA.inc({ kind: 'x' }, 2);
    expect(counterB).not.toBe(counterA);
    expect(await a.metrics()).toContain('spec_things_total{kind="x"} 2');
    expect(await b.metrics()).not.toContain('spec_things_total{kind="x"}');
    expect(register.getSingleMetric('spec_things_total')).toBeUndefined();
  });

  it('is injected by the metric name, as @InjectMetric expects', () => {
    expect(provider.provide).toBe('PROM_METRIC_SPEC_THINGS_TOTAL');
  });
});
