import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LOGGER, type Logger } from '@app/common';
import { MetricsService, countedGauge } from '@app/metrics';
import { SessionsRepository } from './sessions.repository';

/** Feeds the `auth_active_sessions` gauge from the sessions table, counted at most every 10 s. */
@Injectable()
export class SessionsStatistics implements OnModuleInit {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const gauge = 'auth_active_sessions';
    const source = countedGauge(() => this.sessions.countActive(), this.logger, gauge);
    this.metrics.setGaugeSource(gauge, source);
  }
}
