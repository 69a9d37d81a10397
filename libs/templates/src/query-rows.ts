import type { EntityManager } from 'typeorm';

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
