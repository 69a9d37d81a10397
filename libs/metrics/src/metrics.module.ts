import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { DatabaseMetrics } from './database-metrics';
import { FairnessMetrics } from './fairness-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsHttpHooks } from './metrics-http.hooks';
import { MetricsServer } from './metrics-server';
import { MetricsService } from './metrics.service';

/**
 * Prometheus metrics: one registry per app, the HTTP hooks, database collectors, and `/metrics`
 * on the main port or (METRICS_PORT) on its own listener.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: Pick<AppConfig, 'metrics'>): DynamicModule {
    return {
      module: MetricsModule,
      controllers: config.metrics.port === undefined ? [MetricsController] : [],
      providers: [
        MetricsService,
        MetricsHttpHooks,
        DatabaseMetrics,
        MetricsServer,
        FairnessMetrics,
      ],
      exports: [MetricsService],
    };
  }
}
