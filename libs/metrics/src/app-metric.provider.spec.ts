import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import type { Counter, Histogram } from 'prom-client';
import {
  appCounterProvider,
  appGaugeProvider,
  appHistogramProvider,
  appMetricProvider,
} from './app-metric.provider';
import { MetricsService } from './metrics.service';

const SOURCE = Symbol('source');

@Injectable()
class Consumer {
  constructor(
    @InjectMetric('spec_widgets_total') readonly widgets: Counter<'kind'>,
    @InjectMetric('spec_widget_seconds') readonly seconds: Histogram,
  ) {}
}

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

describe('appHistogramProvider, appGaugeProvider, appMetricProvider', () => {
  const build = () =>
    Test.createTestingModule({
      providers: [
        MetricsService,
        { provide: SOURCE, useValue: { size: () => 7 } },
        appMetricProvider('Counter', {
          name: 'spec_widgets_total',
          help: 'Widgets',
          labelNames: ['kind'],
        }),
        appHistogramProvider({
          name: 'spec_widget_seconds',
          help: 'Widget time',
          buckets: [0.1, 1],
        }),
        appGaugeProvider({
          name: 'spec_widget_queue',
          help: 'Widgets waiting',
          inject: [SOURCE],
          collect(source: { size: () => number }) {
            this.set(source.size());
          },
        }),
        Consumer,
      ],
    }).compile();

  it('injects the metrics of the app registry by name, and feeds collect its injected deps', async () => {
    const app = await build();
    const consumer = app.get(Consumer);
    consumer.widgets.inc({ kind: 'a' });
    consumer.seconds.observe(0.5);
    const text = await app.get(MetricsService).metrics();
    expect(text).toContain('spec_widgets_total{kind="a"} 1');
    expect(text).toContain('spec_widget_seconds_bucket{le="0.1"} 0');
    expect(text).toContain('spec_widget_seconds_bucket{le="1"} 1');
    expect(text).toContain('spec_widget_queue 7');
    expect(register.getSingleMetric('spec_widget_queue')).toBeUndefined();
  });

  it('gives a second app its own metrics under the same names', async () => {
    const [one, two] = [await build(), await build()];
    one.get(Consumer).widgets.inc({ kind: 'a' }, 3);
    expect(two.get(Consumer).widgets).not.toBe(one.get(Consumer).widgets);
    expect(await two.get(MetricsService).metrics()).not.toContain('spec_widgets_total{kind="a"}');
  });
});
