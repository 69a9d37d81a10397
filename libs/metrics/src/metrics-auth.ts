import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time check of `Authorization: Bearer <METRICS_TOKEN>`; no token configured = open. */
export function metricsAuthorized(token: string | undefined, header: string | undefined): boolean {
  if (!token) return true;
  // `\s+` then a non-space: the two parts cannot trade characters, so matching is linear.
  const match = /^Bearer\s+(\S.*)$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1].trim()), digest(token));
}
