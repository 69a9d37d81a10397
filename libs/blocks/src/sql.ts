import type { Pool, QueryConfig, QueryResultRow } from 'pg';
import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';

/**
 * Rows of a query run through a TypeORM manager: UPDATE/DELETE come back as [rows, count],
 * everything else as rows.
 */
export async function queryRows<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const raw: unknown = await manager.query(sql, params);
  if (
    Array.isArray(raw) &&
    raw.length === 2 &&
    Array.isArray(raw[0]) &&
    typeof raw[1] === 'number'
  ) {
    return raw[0] as T[];
  }
  return raw as T[];
}

/** The `pg` pool under TypeORM's data source, for lean hot-path reads and cursors. */
export function pgPool(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * A query straight on the pool. Database errors are wrapped like TypeORM's, so the problem
 * filter maps them the same way (a data exception is a 400, an outage a 503).
 */
export async function leanQuery<T extends QueryResultRow>(
  pool: Pool,
  config: QueryConfig,
): Promise<T[]> {
  try {
    const result = await pool.query<T>(config);
    return result.rows;
  } catch (error) {
    if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
      throw new QueryFailedError(config.text, config.values ?? [], error);
    }
    throw error;
  }
}
