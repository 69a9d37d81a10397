export { MetricsModule } from './metrics.module';
export { MetricsService, type GaugeSource } from './metrics.service';
