export { MetricsModule } from './metrics.module';
export {
  MetricsService,
  DocumentMetrics,
  documentMetricsOf,
  type GaugeSource,
} from './metrics.service';
export { countedGauge } from './counted-gauge';
export { CacheMetrics, type IdentityCacheName } from './cache-metrics';
export { appCounterProvider } from './app-metric.provider';
export { InjectMetric } from '@willsoto/nestjs-prometheus';
