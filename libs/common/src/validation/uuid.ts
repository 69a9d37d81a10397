/** The text form's length: what a UUID parameter can be, and all the server reads of one. */
export const UUID_LENGTH = 36;

/** A UUID of any version, in either case (PostgreSQL reads both the same). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
