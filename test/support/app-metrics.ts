import type { FactoryProvider } from '@nestjs/common';
import type { Metric } from 'prom-client';
import type { MetricsService } from '@app/metrics';

/**
 * The metric of one `app*Provider` made on this app's registry the way Nest would (the library's
 * optional module options, then `inject`), for specs that build a service by hand.
 */
export function appMetric<T>(
  provider: FactoryProvider<Metric>,
  metrics: MetricsService,
  ...deps: unknown[]
): T {
  return provider.useFactory(metrics, undefined, ...deps) as T;
}
