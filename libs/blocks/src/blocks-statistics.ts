import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LOGGER, type Logger, PgErrorCode, sqlState } from '@app/common';
import { preparedQuery, statement } from '@app/database';
import { MetricsService } from '@app/metrics';

const CACHE_MS = 10_000;

// Instance-wide by design: an operator gauge over all tenants, never served to a tenant.
const COUNT_ALL_LIVE = statement(
  'blocks_count_all_live',
  `SELECT count(*)::int AS n FROM blocks WHERE deleted_at IS NULL`,
);

/** Feeds the `blocks_total` gauge from the blocks table, counted at most every 10 s. */
@Injectable()
export class BlocksStatistics implements OnModuleInit {
  private cached: { at: number; value: number | undefined } | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.metrics.setGaugeSource('blocks_total', () => this.liveTotal());
  }

  async liveTotal(): Promise<number | undefined> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.value;
    let value: number | undefined;
    try {
      const [row] = await preparedQuery<{ n: number }>(this.dataSource.manager, COUNT_ALL_LIVE, []);
      value = row?.n;
    } catch (error) {
      // Before the migrations there is no table: no sample then.
      if (sqlState(error) !== PgErrorCode.UNDEFINED_TABLE) {
        this.logger.warn({ err: error }, 'blocks count failed');
      }
    }
    this.cached = { at: Date.now(), value };
    return value;
  }
}
