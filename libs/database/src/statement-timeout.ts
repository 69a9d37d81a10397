import type { Pool, PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

/** `SET LOCAL` takes no bind parameter: the value is an integer, so it is inlined safely. */
function setLocal(ms: number): string {
  return `SET LOCAL statement_timeout = ${Math.max(1, Math.floor(ms))}`;
}

/** Caps every later statement of the manager's open transaction (and only of it). */
export async function setStatementTimeout(manager: EntityManager, ms?: number): Promise<void> {
  if (ms !== undefined) await manager.query(setLocal(ms));
}

/**
 * Runs `fn` on one pooled client inside a transaction whose statements are capped at `ms`.
 * BEGIN and SET LOCAL travel as one simple-protocol message: one extra round trip, and the
 * setting ends with the transaction, so the connection goes back to the pool unchanged.
 */
export async function withStatementTimeout<T>(
  pool: Pool,
  ms: number | undefined,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(ms === undefined ? 'BEGIN' : `BEGIN; ${setLocal(ms)}`);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    // A connection that could not even roll back is discarded, not reused.
    client.release(broken);
  }
}
