import { createHash } from 'node:crypto';

/**
 * The fields of `changes.before` / `changes.after` that hold a person's data (a user's email,
 * username and display name). The chain hashes each of their values through a per-entry digest,
 * so erasure can replace the value by that digest (`audit_scrub_personal` in the database makes
 * the same bytes) and the chain still verifies.
 */
export const PERSONAL_CHANGE_FIELDS: readonly string[] = ['email', 'username', 'displayName'];

const ERASED = 'erased:sha256:';

/** What stands for a personal value in the chain, and in the entry once it is erased. */
export function erasedValue(entryId: string, field: string, value: string): string {
  if (value.startsWith(ERASED)) return value;
  return ERASED + createHash('sha256').update(`${entryId}:${field}:${value}`).digest('hex');
}

/**
 * `changes` as the chain hashes it: every personal string value of `before` and `after`
 * replaced by its erased form. Returns the input itself when there is nothing to replace.
 */
export function digestPersonalChanges(entryId: string, changes: unknown): unknown {
  if (!isObject(changes)) return changes;
  let out: Record<string, unknown> | undefined;
  for (const side of ['before', 'after']) {
    const values = changes[side];
    if (!isObject(values)) continue;
    let replaced: Record<string, unknown> | undefined;
    for (const field of PERSONAL_CHANGE_FIELDS) {
      const value = values[field];
      if (typeof value !== 'string') continue;
      replaced ??= { ...values };
      replaced[field] = erasedValue(entryId, field, value);
    }
    if (replaced) {
      out ??= { ...changes };
      out[side] = replaced;
    }
  }
  return out ?? changes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
