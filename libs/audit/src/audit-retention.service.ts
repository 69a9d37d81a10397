import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LOGGER, type Logger } from '@app/common';
import { AppConfig } from '@app/config';
import { purge } from './audit-query.service';

/**
 * Once a day, removes every tenant's entries older than AUDIT_RETENTION_DAYS through
 * `audit_purge()` (which anchors the rest of each chain). Idempotent, so every replica may run it.
 */
@Injectable()
export class AuditRetentionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_DAY_AT_3AM, { name: 'audit-retention', timeZone: 'UTC' })
  async scheduled(): Promise<void> {
    try {
      await this.run();
    } catch (error) {
      this.logger.error({ err: error }, 'audit retention failed');
    }
  }

  /** Purges every tenant; returns the number of entries removed. */
  async run(days = this.config.audit.retentionDays): Promise<number> {
    const tenants = await this.dataSource.query<Array<{ tenant_id: string }>>(
      `SELECT DISTINCT tenant_id::text AS tenant_id FROM audit_log
       WHERE "timestamp" < now() - make_interval(days => $1)`,
      [days],
    );
    let total = 0;
    for (const { tenant_id } of tenants) {
      total += await this.dataSource.transaction((tx) => purge(tx, tenant_id, days));
    }
    if (total > 0) {
      this.logger.info({ deleted: total, tenants: tenants.length, days }, 'audit retention');
    }
    return total;
  }
}
