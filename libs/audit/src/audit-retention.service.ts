import { Inject, Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { LOGGER, type Logger } from '@app/common';
import { AppConfig } from '@app/config';
import { AuditLogRepository } from './audit-log.repository';

/**
 * Once a day, removes every tenant's entries older than AUDIT_RETENTION_DAYS through
 * `audit_purge()` (which anchors the rest of each chain). Idempotent, so every replica may run it.
 */
@Injectable()
export class AuditRetentionService {
  constructor(
    private readonly entries: AuditLogRepository,
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

  /** Purges every tenant, one transaction each; returns the number of entries removed. */
  async run(days = this.config.audit.retentionDays): Promise<number> {
    const tenants = await this.entries.tenantsWithEntriesOlderThan(days);
    let total = 0;
    for (const tenantId of tenants) {
      total += await this.entries.transaction((tx) => this.entries.purge(tx, tenantId, days));
    }
    if (total > 0) {
      this.logger.info({ deleted: total, tenants: tenants.length, days }, 'audit retention');
    }
    return total;
  }
}
