import { CommonErrorCode, CommonException } from '../errors/common.exception';

/** The longest cursor decoded: far above any sort key encoded, so a real cursor always fits. */
export const CURSOR_MAX_LENGTH = 1024;

/** Opaque cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor and checks it has exactly the expected string/number fields; else a 400. */
export function decodeCursor<K extends string>(
  cursor: string,
  fields: readonly K[],
): Record<K, string> {
  try {
    if (cursor.length > CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor))
      throw new Error('shape');
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('shape');
    const record = value as Record<string, unknown>;
    const out = {} as Record<K, string>;
    for (const field of fields) {
      const v = record[field];
      if (typeof v !== 'string' && typeof v !== 'number') throw new Error('field');
      out[field] = String(v);
    }
    return out;
  } catch {
    throw new CommonException(CommonErrorCode.INVALID_CURSOR);
  }
}
