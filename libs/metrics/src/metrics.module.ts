import { type DynamicModule, Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { AppConfig } from '@app/config';
import { DatabaseMetrics } from './database-metrics';
import { FAIRNESS_METRICS, FairnessMetrics } from './fairness-metrics';
import { MetricsController, NoMetricsRoute } from './metrics.controller';
import { MetricsHttpHooks } from './metrics-http.hooks';
import { MetricsServer } from './metrics-server';
import { MetricsService } from './metrics.service';

/**
 * Prometheus metrics on @willsoto/nestjs-prometheus: one registry per app (the library's default
 * metrics go into it), the HTTP hooks, database collectors, and `/metrics` on the main port or
 * (METRICS_PORT) on its own listener, which the library does not offer.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: Pick<AppConfig, 'metrics'>): DynamicModule {
    return {
      module: MetricsModule,
      imports: [
        PrometheusModule.registerAsync({
          controller: config.metrics.port === undefined ? MetricsController : NoMetricsRoute,
          // MetricsService comes from this (global) module: the app's registry, not the global one.
          inject: [MetricsService],
          useFactory: (metrics: MetricsService) => ({
            defaultMetrics: { enabled: true, config: { register: metrics.registry } },
          }),
        }),
      ],
      providers: [
        MetricsService,
        MetricsHttpHooks,
        DatabaseMetrics,
        MetricsServer,
        ...FAIRNESS_METRICS,
        FairnessMetrics,
      ],
      exports: [MetricsService],
    };
  }
}
