import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { type EntityManager, QueryFailedError } from 'typeorm';

/** A statement with a fixed text, prepared once per connection under `name`. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/**
 * Runs a named (server-side prepared) statement in the manager's transaction, or on the pool
 * outside one. PostgreSQL then parses and plans a hot write once per connection instead of on
 * every call (TypeORM's `query` sends unnamed statements): for a block INSERT with its generated
 * search vector that was ~170 µs of each BEGIN + INSERT + COMMIT here. Database errors are
 * wrapped like TypeORM's, so the problem filter maps them the same way.
 */
export async function preparedQuery<T extends QueryResultRow = QueryResultRow>(
  manager: EntityManager,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  const runner = manager.queryRunner;
  const client: Pool | PoolClient =
    runner && !runner.isReleased
      ? ((await runner.connect()) as PoolClient)
      : (manager.connection.driver as unknown as { master: Pool }).master;
  try {
    const result = await client.query<T>({ ...statement, values });
    return result.rows;
  } catch (error) {
    if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
      throw new QueryFailedError(statement.text, values, error);
    }
    throw error;
  }
}
