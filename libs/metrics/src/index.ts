export { MetricsModule } from './metrics.module';
export { MetricsService, DURATION_BUCKETS, type GaugeSource } from './metrics.service';
export { countedGauge } from './counted-gauge';
export { CacheMetrics, type IdentityCacheName } from './cache-metrics';
export {
  appCounterProvider,
  appGaugeProvider,
  appHistogramProvider,
  appMetricProvider,
  type AppMetricKind,
  type AppMetricOptionsOf,
} from './app-metric.provider';
export { InjectMetric } from '@willsoto/nestjs-prometheus';
