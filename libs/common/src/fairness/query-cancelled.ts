/** SQLSTATE of a statement cancelled by statement_timeout (or pg_cancel_backend). */
const QUERY_CANCELED = '57014';

/** True for a pg error, or a TypeORM QueryFailedError around one, cancelled by its timeout. */
export function isQueryCancelled(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  return e.code === QUERY_CANCELED || e.driverError?.code === QUERY_CANCELED;
}
