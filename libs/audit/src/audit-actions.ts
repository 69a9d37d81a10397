import type { AuditSeverity } from './audit-event';

/** How an authentication action counts in `auth_attempts_total`. */
export interface AuthAttempt {
  method: 'password' | 'refresh' | 'api_key';
  result: 'success' | 'failure' | 'locked' | 'reuse';
}

interface ActionPolicy {
  /** The least severity the action carries, whatever its caller says. */
  floor: AuditSeverity;
  /** Set on the authentication actions the auth-attempts metric counts. */
  attempt?: AuthAttempt;
}

const info: ActionPolicy = { floor: 'info' };
const warning: ActionPolicy = { floor: 'warning' };
const critical: ActionPolicy = { floor: 'critical' };

/**
 * Every action the audit trail records, with its severity floor and metric: the one list that
 * `AuditEvent`, `@AuditAction`, the severity policy and the metrics read. An action not named
 * here does not compile.
 */
export const AUDIT_ACTIONS = {
  'auth.register': info,
  'auth.login': { floor: 'info', attempt: { method: 'password', result: 'success' } },
  'auth.login_failed': { floor: 'warning', attempt: { method: 'password', result: 'failure' } },
  'auth.lockout': { floor: 'critical', attempt: { method: 'password', result: 'locked' } },
  'auth.logout': info,
  'auth.refresh': { floor: 'info', attempt: { method: 'refresh', result: 'success' } },
  'auth.refresh_reuse': { floor: 'critical', attempt: { method: 'refresh', result: 'reuse' } },
  // Counted in auth_attempts_total per request by its producer: its entries are aggregated.
  'auth.refresh_failed': warning,
  'auth.password_change': info,
  'auth.unauthenticated': warning,
  'auth.token_rejected': warning,
  'authz.denied': warning,
  'ratelimit.exceeded': warning,
  'user.create': info,
  'user.read': info,
  'user.list': info,
  'user.update': info,
  'user.delete': critical,
  'user.export': info,
  'apikey.create': info,
  'apikey.list': info,
  'apikey.rotate': info,
  'apikey.revoke': info,
  'block.create': info,
  'block.read': info,
  'block.list': info,
  'block.update': info,
  'block.delete': info,
  'block.restore': info,
  'block.bulk': info,
  'block.import': info,
  'block.export': info,
  'block.relation_create': info,
  'block.relation_delete': info,
  'search.query': info,
  'template.create': info,
  'template.read': info,
  'template.list': info,
  'template.update': info,
  'template.delete': info,
  'document.create': info,
  'document.read': info,
  'document.list': info,
  'document.update': info,
  'document.delete': info,
  'document.assemble': info,
  'document.export': info,
  'ml.analyze': info,
  'ml.summarize': info,
  'ml.classify': info,
  'ml.train': info,
  'audit.read': info,
  'audit.cleanup': critical,
  // Requests to a route that names no action of its own.
  'api.read': info,
  'api.write': info,
} as const satisfies Record<string, ActionPolicy>;

export type AuditActionName = keyof typeof AUDIT_ACTIONS;

/** The policy of an action as stored (a string read back may name no known action). */
export function actionPolicy(action: string): ActionPolicy | undefined {
  return Object.hasOwn(AUDIT_ACTIONS, action)
    ? (AUDIT_ACTIONS as Record<string, ActionPolicy>)[action]
    : undefined;
}
