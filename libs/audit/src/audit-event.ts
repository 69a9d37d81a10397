import type { AuditActionName } from './audit-actions';

export type AuditSeverity = 'info' | 'warning' | 'critical';

/**
 * What a module tells the audit trail. Request data (request id, IP, user agent, method, route,
 * duration) and, when authenticated, actor and tenant come from the request context.
 */
export interface AuditEvent {
  /** One of `AUDIT_ACTIONS`: `block.create`, `auth.login_failed`, `apikey.revoke`, ... */
  action: AuditActionName;
  /** `block`, `user`, `api_key`, `session`, `tenant`, `audit`, ... */
  resourceType?: string | null;
  resourceId?: string | null;
  /** Default `info`; `warning` for refusals and failures; `critical` for reuse, lockouts, admin deletions. */
  severity?: AuditSeverity;
  /** State before and after a change; the audit service strips secrets before storing. */
  changes?: { before: unknown; after: unknown } | null;
  error?: string | null;
  /** Default: the status the response will carry (201/200/204 for changes). */
  statusCode?: number;
  /** Only where the context has no principal yet (register, login, refresh). */
  tenantId?: string;
  actor?: { userId: string | null; username: string | null; apiKeyId?: string | null };
}
