import type { FactoryProvider } from '@nestjs/common';
import {
  type MetricProviderInjectable,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  makeSummaryProvider,
} from '@willsoto/nestjs-prometheus';
import type {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Metric,
  Summary,
  SummaryConfiguration,
} from 'prom-client';
import { MetricsService } from './metrics.service';

/** Each kind's prom-client configuration and metric. */
interface AppMetricKinds {
  Counter: [CounterConfiguration<string>, Counter<string>];
  Gauge: [GaugeConfiguration<string>, Gauge<string>];
  Histogram: [HistogramConfiguration<string>, Histogram<string>];
  Summary: [SummaryConfiguration<string>, Summary<string>];
}
export type AppMetricKind = keyof AppMetricKinds;
/** The options the library's factory takes, minus the registry; `collect` gets the `inject`ed deps. */
export type AppMetricOptionsOf<K extends AppMetricKind> = Omit<
  AppMetricKinds[K][0],
  'registers' | 'collect'
> &
  MetricProviderInjectable<AppMetricKinds[K][1]>;

const FACTORIES = {
  Counter: makeCounterProvider,
  Gauge: makeGaugeProvider,
  Histogram: makeHistogramProvider,
  Summary: makeSummaryProvider,
} as const;

/**
 * A metric provider from the library's factory (`make<Kind>Provider`, injected with
 * `@InjectMetric(name)`; `inject` feeds `collect`) whose metric lives in the app's registry. The
 * library's factories only know prom-client's global registry, which every app of a process would
 * share, so the metric is made without one and added here.
 */
export function appMetricProvider<K extends AppMetricKind>(
  kind: K,
  options: AppMetricOptionsOf<K>,
): FactoryProvider<Metric> {
  const make = FACTORIES[kind] as (options: object) => unknown;
  const provider = make({ ...options, registers: [] }) as FactoryProvider<Metric>;
  return {
    provide: provider.provide,
    inject: [MetricsService, ...(provider.inject ?? [])],
    useFactory: (metrics: MetricsService, ...rest: unknown[]) => {
      const metric = provider.useFactory(...rest) as Metric;
      metrics.registry.registerMetric(metric);
      return metric;
    },
  };
}

/** `appMetricProvider('Counter', options)`. */
export function appCounterProvider(options: AppMetricOptionsOf<'Counter'>) {
  return appMetricProvider('Counter', options);
}

/** `appMetricProvider('Histogram', options)`. */
export function appHistogramProvider(options: AppMetricOptionsOf<'Histogram'>) {
  return appMetricProvider('Histogram', options);
}

/** `appMetricProvider('Gauge', options)`. */
export function appGaugeProvider(options: AppMetricOptionsOf<'Gauge'>) {
  return appMetricProvider('Gauge', options);
}
