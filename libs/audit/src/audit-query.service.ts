import { Injectable } from '@nestjs/common';
import {
  CommonErrorCode,
  CommonException,
  type Page,
  RequestContext,
  decodeCursor,
  encodeCursor,
} from '@app/common';
import { AppConfig } from '@app/config';
import { AuditErrorCode, AuditException } from './audit.exception';
import { AuditLogRepository } from './audit-log.repository';
import { AuditService } from './audit.service';
import type { ChainedEntry } from './chain/audit-chain';
import { type ChainVerification, verifyChain } from './chain/verify-chain';
import type { AuditEntryDto, AuditSeverityDto } from './dto/audit-entry.dto';
import type { AuditStatisticsDto } from './dto/audit-results.dto';

export interface AuditFilters {
  userId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  severity?: AuditSeverityDto;
  statusCode?: number;
  from?: string;
  to?: string;
}

const DEFAULT_STATISTICS_DAYS = 7;
const MAX_STATISTICS_DAYS = 400;

/**
 * The audit trail's read side: tenant-scoped lists (newest first, keyset pagination on the chain
 * order), statistics computed in SQL, chain verification and retention.
 */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly entries: AuditLogRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async list(
    filters: AuditFilters,
    page: { limit?: number; cursor?: string },
  ): Promise<Page<AuditEntryDto>> {
    const tenantId = RequestContext.tenantId();
    const { from, to } = this.range(filters.from, filters.to);
    await this.sealPending(tenantId);
    // Keyset pagination runs on the chain order, so only sealed entries are listed.
    const beforeSeq = page.cursor ? cursorSeq(page.cursor) : undefined;
    const limit = page.limit ?? 20;
    const rows = await this.entries.list(
      {
        userId: filters.userId ? filters.userId.toLowerCase() : undefined,
        action: filters.action || undefined,
        resourceType: filters.resourceType || undefined,
        resourceId: filters.resourceId || undefined,
        severity: filters.severity || undefined,
        statusCode: filters.statusCode,
        from,
        to,
        beforeSeq,
      },
      limit + 1,
    );
    const items = rows.slice(0, limit);
    const more = rows.length > limit;
    return {
      items: items.map(toResponse),
      nextCursor: more ? encodeCursor({ seq: items[items.length - 1].seq }) : null,
    };
  }

  async get(id: string): Promise<AuditEntryDto> {
    let row = await this.entries.findById(id);
    if (!row) throw new AuditException(AuditErrorCode.AUDIT_ENTRY_NOT_FOUND);
    if (row.hash === null) {
      // Committed a moment ago: give it its place in the chain before showing it.
      await this.audit.sealNow(row.tenantId);
      row = (await this.entries.findById(id)) ?? row;
    }
    return toResponse(row);
  }

  myActivity(
    filters: Pick<AuditFilters, 'from' | 'to'>,
    page: { limit?: number; cursor?: string },
  ): Promise<Page<AuditEntryDto>> {
    const principal = RequestContext.principal();
    if (!principal) throw new Error('my-activity needs an authenticated caller');
    return this.list({ ...filters, userId: principal.userId }, page);
  }

  /** Every entry about the calling user (oldest first, at most `max`), for data portability. */
  async exportForCaller(max = 10_000): Promise<AuditEntryDto[]> {
    const principal = RequestContext.principal();
    if (!principal) throw new Error('an export needs an authenticated caller');
    await this.sealPending(principal.tenantId);
    const rows = await this.entries.listForUser(principal.userId, max);
    return rows.map(toResponse);
  }

  async statistics(fromText?: string, toText?: string): Promise<AuditStatisticsDto> {
    const range = this.range(fromText, toText);
    const to = range.to ?? new Date();
    const from = range.from ?? new Date(to.getTime() - DEFAULT_STATISTICS_DAYS * 86_400_000);
    if (from >= to) throw new AuditException(AuditErrorCode.INVALID_TIME_RANGE);
    if (to.getTime() - from.getTime() > MAX_STATISTICS_DAYS * 86_400_000) {
      throw new AuditException(
        AuditErrorCode.INVALID_TIME_RANGE,
        `the range may span at most ${MAX_STATISTICS_DAYS} days`,
      );
    }
    const counts = await this.entries.statistics(from, to);
    return { from: from.toISOString(), to: to.toISOString(), ...counts };
  }

  /** Recomputes the caller's tenant chain from its anchor. */
  async verify(tenantId = RequestContext.tenantId()): Promise<ChainVerification> {
    await this.sealPending(tenantId);
    const anchor = await this.entries.anchor(tenantId);
    return verifyChain(anchor, (after, limit) => this.entries.chainAfter(tenantId, after, limit));
  }

  /**
   * Removes the caller's tenant entries older than `olderThanDays` (never below the configured
   * retention) through `audit_purge()`, and records the cleanup in the same transaction.
   */
  async cleanup(olderThanDays: number): Promise<{ deleted: number }> {
    const minimum = this.config.audit.retentionDays;
    if (olderThanDays < minimum) {
      throw new AuditException(
        AuditErrorCode.RETENTION_TOO_SHORT,
        `olderThanDays must be at least ${minimum} (AUDIT_RETENTION_DAYS)`,
      );
    }
    const tenantId = RequestContext.tenantId();
    return this.entries.transaction(async (tx) => {
      const deleted = await this.entries.purge(tx, tenantId, olderThanDays);
      await this.audit.record(tx, {
        action: 'audit.cleanup',
        resourceType: 'audit',
        severity: 'critical',
        statusCode: 200,
        changes: { before: null, after: { olderThanDays, deleted } },
      });
      return { deleted };
    });
  }

  /** Seals the tenant's committed entries first, if any wait (an index probe when none do). */
  private async sealPending(tenantId: string): Promise<void> {
    if (await this.entries.hasUnsealed(tenantId)) await this.audit.sealNow(tenantId);
  }

  private range(fromText?: string, toText?: string): { from?: Date; to?: Date } {
    const from = fromText ? new Date(fromText) : undefined;
    const to = toText ? new Date(toText) : undefined;
    if ((from && Number.isNaN(from.getTime())) || (to && Number.isNaN(to.getTime()))) {
      throw new AuditException(
        AuditErrorCode.INVALID_TIME_RANGE,
        'from and to must be ISO-8601 instants',
      );
    }
    if (from && to && from >= to) throw new AuditException(AuditErrorCode.INVALID_TIME_RANGE);
    return { from, to };
  }
}

/** The chain position a list cursor points before; a forged one is a 400. */
function cursorSeq(cursor: string): string {
  const { seq } = decodeCursor(cursor, ['seq']);
  if (!/^\d{1,18}$/.test(seq)) throw new CommonException(CommonErrorCode.INVALID_CURSOR);
  return seq;
}

function toResponse(row: ChainedEntry): AuditEntryDto {
  return {
    id: row.id,
    timestamp: row.timestamp.toISOString(),
    tenantId: row.tenantId,
    actor: { userId: row.userId, username: row.username, apiKeyId: row.apiKeyId },
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    method: row.method,
    path: row.path,
    statusCode: row.statusCode,
    durationMs: row.durationMs,
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
    severity: row.severity as AuditSeverityDto,
    changes: row.changes,
    error: row.error,
    hash: row.hash,
  };
}
