import type { FactoryProvider } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { CounterConfiguration, Metric } from 'prom-client';
import { MetricsService } from './metrics.service';

/**
 * A counter provider (`makeCounterProvider`, injected with `@InjectMetric(name)`) whose counter
 * lives in the app's registry. The library's factories only know prom-client's global registry,
 * which every app of a process would share, so the counter is made without one and added here.
 */
export function appCounterProvider(
  options: Omit<CounterConfiguration<string>, 'registers' | 'collect'>,
): FactoryProvider<Metric> {
  const provider = makeCounterProvider({ ...options, registers: [] }) as FactoryProvider<Metric>;
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
