/** The SQLSTATE codes the code base reacts to. */
export const PgErrorCode = {
  UNIQUE_VIOLATION: '23505',
  QUERY_CANCELED: '57014',
  UNDEFINED_TABLE: '42P01',
  UNDEFINED_COLUMN: '42703',
} as const;

interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
  driverError?: { code?: unknown; constraint?: unknown };
}

/** Five characters with a digit: every SQLSTATE, never a Node system code such as `EPIPE`. */
const SQLSTATE = /^(?=[A-Z]*\d)[0-9A-Z]{5}$/;

/**
 * The SQLSTATE of a database error, raw from `pg` or wrapped in TypeORM's QueryFailedError
 * (its driver error's code); undefined for anything else.
 */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as PgLikeError;
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' && SQLSTATE.test(code) ? code : undefined;
}

/** The constraint a database error names (unique and foreign-key violations), if any. */
export function pgConstraint(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as PgLikeError;
  const name = e.driverError?.constraint ?? e.constraint;
  return typeof name === 'string' ? name : undefined;
}

/** SQLSTATE class 22: a value the database could not take (bad number, date or text). */
export function isDataException(error: unknown): boolean {
  return sqlState(error)?.startsWith('22') === true;
}

export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === PgErrorCode.UNIQUE_VIOLATION;
}

/** A statement cancelled by statement_timeout (or pg_cancel_backend). */
export function isQueryCancelled(error: unknown): boolean {
  return sqlState(error) === PgErrorCode.QUERY_CANCELED;
}
