import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { QueryResultRow } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '@app/common';
import { type PreparedStatement, leanQuery, pgPool, preparedQuery, statement } from '@app/database';
import { SELECT_ENTRY } from './audit-writer';
import type { ChainedEntry } from './chain/audit-chain';
import type { AuditStatisticsDto } from './dto/audit-results.dto';

/** Filters of a list, already checked and normalised by the service. */
export interface AuditLogFilter {
  userId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  severity?: string;
  statusCode?: number;
  from?: Date;
  to?: Date;
  /** Keyset cursor: only entries before this place in the chain. */
  beforeSeq?: string;
}

/** The statistics of a range, without the range itself. */
export type AuditCounts = Omit<AuditStatisticsDto, 'from' | 'to'>;

// Each filter's condition; the value becomes the next parameter.
const CONDITIONS: ReadonlyArray<[keyof AuditLogFilter, string]> = [
  ['userId', 'user_id = $'],
  ['action', 'action = $'],
  ['resourceType', 'resource_type = $'],
  ['resourceId', 'resource_id = $'],
  ['severity', 'severity = $'],
  ['statusCode', 'status_code = $'],
  ['from', '"timestamp" >= $'],
  ['to', '"timestamp" < $'],
  ['beforeSeq', 'seq < $'],
];

const BY_ID = statement(
  'audit_log_by_id',
  `SELECT ${SELECT_ENTRY} FROM audit_log WHERE tenant_id = $1 AND id = $2`,
);

// Unsealed entries too (last): an export shows everything, in chain order.
const OF_USER = statement(
  'audit_log_of_user',
  `SELECT ${SELECT_ENTRY} FROM audit_log WHERE tenant_id = $1 AND user_id = $2
   ORDER BY audit_log.seq ASC NULLS LAST, id LIMIT $3`,
);

// One scan of the range through audit_log_tenant_time_idx; every breakdown is aggregated in SQL.
const STATISTICS = statement(
  'audit_log_statistics',
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
);

const ANCHOR = statement(
  'audit_anchor_of_tenant',
  `SELECT seq::text AS seq, hash FROM audit_anchors WHERE tenant_id = $1`,
);

const CHAIN_AFTER = statement(
  'audit_log_chain_after',
  `SELECT ${SELECT_ENTRY} FROM audit_log WHERE tenant_id = $1 AND seq > $2
   ORDER BY audit_log.seq LIMIT $3`,
);

// An index probe of audit_log_unsealed_idx when nothing waits.
const HAS_UNSEALED = statement(
  'audit_log_has_unsealed',
  `SELECT EXISTS (SELECT 1 FROM audit_log WHERE tenant_id = $1 AND seq IS NULL) AS "pending"`,
);

// Instance-wide by design: the retention job runs for every tenant, outside any request.
const TENANTS_BEFORE = statement(
  'audit_log_tenants_before',
  `SELECT DISTINCT tenant_id::text AS "tenantId" FROM audit_log
   WHERE "timestamp" < now() - make_interval(days => $1)`,
);

// The only way to delete entries: the function anchors what remains of the chain.
const PURGE = statement('audit_log_purge', `SELECT audit_purge($1, $2)::int AS deleted`);

/**
 * Every read and removal of the audit trail (audit-writer inserts and seals it). Lists, single
 * entries, exports and statistics are scoped to the caller's tenant from the request context;
 * the chain and retention queries name their tenant, since verification and the retention job
 * also run outside a request.
 */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Sealed entries of the caller's tenant, newest first, at most `limit`. The text depends on
   * which filters are set and is sent unnamed, so each call is planned for its own values.
   */
  async list(filter: AuditLogFilter, limit: number): Promise<ChainedEntry[]> {
    const where = ['tenant_id = $1', 'seq IS NOT NULL'];
    const values: unknown[] = [RequestContext.tenantId()];
    for (const [key, condition] of CONDITIONS) {
      if (filter[key] === undefined) continue;
      values.push(filter[key]);
      where.push(`${condition}${values.length}`);
    }
    values.push(limit);
    return leanQuery<ChainedEntry>(pgPool(this.dataSource), {
      text: `SELECT ${SELECT_ENTRY} FROM audit_log WHERE ${where.join(' AND ')}
             ORDER BY audit_log.seq DESC LIMIT $${values.length}`,
      values,
    });
  }

  /** An entry of the caller's tenant, sealed or not. */
  async findById(id: string): Promise<ChainedEntry | null> {
    const [row] = await this.run<ChainedEntry>(BY_ID, [RequestContext.tenantId(), id]);
    return row ?? null;
  }

  /** A user's entries in the caller's tenant, oldest first, at most `max`. */
  async listForUser(userId: string, max: number): Promise<ChainedEntry[]> {
    return this.run<ChainedEntry>(OF_USER, [RequestContext.tenantId(), userId, max]);
  }

  /** Counts of the caller's tenant's entries in [from, to). */
  async statistics(from: Date, to: Date): Promise<AuditCounts> {
    const [row] = await this.run<AuditCounts>(STATISTICS, [
      RequestContext.tenantId(),
      from.toISOString(),
      to.toISOString(),
    ]);
    return row;
  }

  /** Where retention cut the tenant's chain, or null when it starts at genesis. */
  async anchor(tenantId: string): Promise<{ seq: string; hash: string } | null> {
    const [row] = await this.run<{ seq: string; hash: string }>(ANCHOR, [tenantId]);
    return row ?? null;
  }

  /** The next `limit` sealed entries of the tenant's chain after `afterSeq`, in order. */
  chainAfter(tenantId: string, afterSeq: string, limit: number): Promise<ChainedEntry[]> {
    return this.run<ChainedEntry>(CHAIN_AFTER, [tenantId, afterSeq, limit]);
  }

  /** Whether committed entries of the tenant still wait for their place in the chain. */
  async hasUnsealed(tenantId: string): Promise<boolean> {
    const [row] = await this.run<{ pending: boolean }>(HAS_UNSEALED, [tenantId]);
    return row.pending;
  }

  /** Every tenant with entries older than `days`. */
  async tenantsWithEntriesOlderThan(days: number): Promise<string[]> {
    const rows = await this.run<{ tenantId: string }>(TENANTS_BEFORE, [days]);
    return rows.map((row) => row.tenantId);
  }

  /** Removes the tenant's entries older than `days` in `tx`; how many it removed. */
  async purge(tx: EntityManager, tenantId: string, days: number): Promise<number> {
    const [row] = await preparedQuery<{ deleted: number }>(tx, PURGE, [tenantId, days]);
    return row?.deleted ?? 0;
  }

  private run<T extends QueryResultRow>(query: PreparedStatement, values: unknown[]): Promise<T[]> {
    return preparedQuery<T>(this.dataSource.manager, query, values);
  }
}
