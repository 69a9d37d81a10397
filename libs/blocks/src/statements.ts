import type { QueryResultRow } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '@app/common';
import { type PreparedStatement, preparedQuery } from '@app/database';

export { statement } from '@app/database';

/** The caller's tenant: every query of the blocks tables is scoped by it. */
export const tenant = (): string => RequestContext.tenantId();

/** Runs a prepared statement in the transaction `tx`, or on the pool without one. */
export function runIn<T extends QueryResultRow>(
  dataSource: DataSource,
  tx: EntityManager | undefined,
  query: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  return preparedQuery<T>(tx ?? dataSource.manager, query, values);
}
