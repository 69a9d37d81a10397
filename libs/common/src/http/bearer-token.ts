import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time check of `Authorization: Bearer <expected>` for the static tokens of operator
 * endpoints (`/metrics`, `/health`): both sides are hashed first, so neither the comparison nor
 * a length difference tells anything about the token.
 */
export function bearerMatches(expected: string, header: string | undefined): boolean {
  // `\s+` then a non-space: the two parts cannot trade characters, so matching is linear.
  const match = /^Bearer\s+(\S.*)$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1].trim()), digest(expected));
}
