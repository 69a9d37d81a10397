import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
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
import { SELECT_ENTRY } from './audit-writer';
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
    @InjectDataSource() private readonly dataSource: DataSource,
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
    const where = ['tenant_id = $1', 'seq IS NOT NULL'];
    const params: unknown[] = [tenantId];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filters.userId) add('user_id = ?', filters.userId.toLowerCase());
    if (filters.action) add('action = ?', filters.action);
    if (filters.resourceType) add('resource_type = ?', filters.resourceType);
    if (filters.resourceId) add('resource_id = ?', filters.resourceId);
    if (filters.severity) add('severity = ?', filters.severity);
    if (filters.statusCode !== undefined) add('status_code = ?', filters.statusCode);
    if (from) add('"timestamp" >= ?', from);
    if (to) add('"timestamp" < ?', to);
    if (page.cursor) {
      const { seq } = decodeCursor(page.cursor, ['seq']);
      if (!/^\d{1,18}$/.test(seq)) throw new CommonException(CommonErrorCode.INVALID_CURSOR);
      add('seq < ?', seq);
    }
    const limit = page.limit ?? 20;
    params.push(limit + 1);
    const rows = await this.dataSource.query<ChainedEntry[]>(
      `SELECT ${SELECT_ENTRY} FROM audit_log WHERE ${where.join(' AND ')}
       ORDER BY audit_log.seq DESC LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit);
    const more = rows.length > limit;
    return {
      items: items.map(toResponse),
      nextCursor: more ? encodeCursor({ seq: items[items.length - 1].seq }) : null,
    };
  }

  async get(id: string): Promise<AuditEntryDto> {
    const tenantId = RequestContext.tenantId();
    const read = (): Promise<ChainedEntry[]> =>
      this.dataSource.query<ChainedEntry[]>(
        `SELECT ${SELECT_ENTRY} FROM audit_log WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      );
    let rows = await read();
    if (rows.length === 0) throw new AuditException(AuditErrorCode.AUDIT_ENTRY_NOT_FOUND);
    if (rows[0].hash === null) {
      // Committed a moment ago: give it its place in the chain before showing it.
      await this.audit.sealNow(tenantId);
      rows = await read();
    }
    return toResponse(rows[0]);
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
    const rows = await this.dataSource.query<ChainedEntry[]>(
      `SELECT ${SELECT_ENTRY} FROM audit_log WHERE tenant_id = $1 AND user_id = $2
       ORDER BY audit_log.seq ASC NULLS LAST, id LIMIT $3`,
      [principal.tenantId, principal.userId, max],
    );
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
    const [row] = await this.dataSource.query<Array<Omit<AuditStatisticsDto, 'from' | 'to'>>>(
      `WITH e AS (
         SELECT action, severity, status_code, user_id, username, "timestamp"
         FROM audit_log WHERE tenant_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
       )
       SELECT
         (SELECT count(*) FROM e)::int AS total,
         (SELECT coalesce(json_agg(json_build_object('key', k, 'count', c) ORDER BY c DESC, k), '[]')
            FROM (SELECT action AS k, count(*)::int AS c FROM e GROUP BY action) s) AS "byAction",
         (SELECT coalesce(json_agg(json_build_object('key', k, 'count', c) ORDER BY c DESC, k), '[]')
            FROM (SELECT severity AS k, count(*)::int AS c FROM e GROUP BY severity) s) AS "bySeverity",
         (SELECT coalesce(json_agg(json_build_object('key', k, 'count', c) ORDER BY k), '[]')
            FROM (SELECT coalesce((status_code / 100)::text || 'xx', 'none') AS k, count(*)::int AS c
                  FROM e GROUP BY 1) s) AS "byStatusClass",
         (SELECT coalesce(json_agg(json_build_object('userId', u, 'username', n, 'count', c)
                                   ORDER BY c DESC, u), '[]')
            FROM (SELECT user_id::text AS u, max(username) AS n, count(*)::int AS c FROM e
                  WHERE user_id IS NOT NULL GROUP BY user_id ORDER BY c DESC, user_id LIMIT 10) s)
           AS "topUsers",
         (SELECT coalesce(json_agg(json_build_object('hour', h, 'count', c) ORDER BY h), '[]')
            FROM (SELECT to_char(date_trunc('hour', "timestamp" AT TIME ZONE 'UTC'),
                                 'YYYY-MM-DD"T"HH24:00:00.000"Z"') AS h, count(*)::int AS c
                  FROM e GROUP BY 1) s) AS "perHour"`,
      [RequestContext.tenantId(), from.toISOString(), to.toISOString()],
    );
    return { from: from.toISOString(), to: to.toISOString(), ...row };
  }

  /** Recomputes the caller's tenant chain from its anchor. */
  async verify(tenantId = RequestContext.tenantId()): Promise<ChainVerification> {
    await this.sealPending(tenantId);
    const anchors = await this.dataSource.query<Array<{ seq: string; hash: string }>>(
      `SELECT seq::text AS seq, hash FROM audit_anchors WHERE tenant_id = $1`,
      [tenantId],
    );
    return verifyChain(anchors[0] ?? null, async (after, limit) => {
      const rows = await this.dataSource.query<ChainedEntry[]>(
        `SELECT ${SELECT_ENTRY} FROM audit_log WHERE tenant_id = $1 AND seq > $2
         ORDER BY audit_log.seq LIMIT $3`,
        [tenantId, after, limit],
      );
      return rows;
    });
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
    return this.dataSource.transaction(async (tx) => {
      const deleted = await purge(tx, tenantId, olderThanDays);
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
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM audit_log WHERE tenant_id = $1 AND seq IS NULL LIMIT 1`,
      [tenantId],
    );
    if (rows.length > 0) await this.audit.sealNow(tenantId);
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

/** Calls the retention function for one tenant; returns how many entries it removed. */
export async function purge(
  sql: { query(q: string, p?: unknown[]): Promise<unknown> },
  tenantId: string,
  olderThanDays: number,
): Promise<number> {
  const rows = (await sql.query(`SELECT audit_purge($1, $2)::int AS deleted`, [
    tenantId,
    olderThanDays,
  ])) as Array<{ deleted: number }>;
  return rows[0]?.deleted ?? 0;
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
