import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LOGGER, type Logger } from '@app/common';
import { MetricsService, countedGauge } from '@app/metrics';
import { ApiKeysRepository } from './api-keys.repository';

/** Feeds the `api_keys_total` gauge from the api_keys table, counted at most every 10 s. */
@Injectable()
export class ApiKeysStatistics implements OnModuleInit {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const source = countedGauge(() => this.keys.countNotRevoked(), this.logger, 'api_keys_total');
    this.metrics.setGaugeSource('api_keys_total', source);
  }
}
