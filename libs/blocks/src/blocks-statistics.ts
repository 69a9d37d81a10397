import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LOGGER, type Logger } from '@app/common';
import { MetricsService, countedGauge } from '@app/metrics';
import { BlocksRepository } from './blocks.repository';

/** Feeds the `blocks_total` gauge from the blocks table, counted at most every 10 s. */
@Injectable()
export class BlocksStatistics implements OnModuleInit {
  constructor(
    private readonly blocks: BlocksRepository,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const source = countedGauge(() => this.blocks.countAllLive(), this.logger, 'blocks_total');
    this.metrics.setGaugeSource('blocks_total', source);
  }
}
