import { v7 as uuidv7 } from 'uuid';
import { type RequestStore, isUuid } from '@app/common';
import type { AuditEvent } from './audit-event';
import { severityOf } from './audit-severity';
import type { PendingEntry } from './audit-writer';
import { cleanOptional, sanitizeChanges } from './chain/sanitize';

/** The chain of events that happen outside any tenant (anonymous refusals, unknown accounts). */
export const SYSTEM_TENANT_ID = '00000000-0000-0000-0000-000000000000';

/**
 * An entry as it will be stored: request data and, unless the event names them, actor and tenant
 * from the request context; every string length-capped, secrets stripped from `changes`.
 */
export function buildEntry(
  event: AuditEvent,
  store: RequestStore | undefined,
  statusCode: number | null,
): PendingEntry {
  const principal = store?.principal;
  const actor = event.actor ?? principal;
  const tenantId = event.tenantId ?? principal?.tenantId;
  // An aggregate of many requests (AuditRefusals) carries no request id, and so no duration.
  const durationMs = store?.requestId
    ? Math.round(Number(process.hrtime.bigint() - store.startedAt) / 1e3) / 1e3
    : null;
  const action = cleanOptional(event.action, 128) ?? 'unknown';
  const status = event.statusCode ?? statusCode;
  return {
    id: uuidv7(),
    tenantId: tenantId && isUuid(tenantId) ? tenantId.toLowerCase() : SYSTEM_TENANT_ID,
    timestamp: new Date(),
    userId: uuidOrNull(actor?.userId),
    username: cleanOptional(actor?.username, 256),
    apiKeyId: uuidOrNull(event.actor ? event.actor.apiKeyId : (principal?.apiKeyId ?? undefined)),
    action,
    resourceType: cleanOptional(event.resourceType, 64),
    resourceId: cleanOptional(event.resourceId, 256),
    method: store?.method ?? null,
    path: store?.route ?? null,
    statusCode: status,
    durationMs,
    ip: cleanOptional(store?.ip, 64),
    userAgent: cleanOptional(store?.userAgent, 512),
    requestId: cleanOptional(store?.requestId || null, 64),
    severity: severityOf(action, event.severity, status),
    changes: sanitizeChanges(event.changes),
    error: cleanOptional(event.error, 2000),
  };
}

/** The status a successful change will be answered with. */
export function defaultStatus(store: RequestStore | undefined): number | null {
  if (!store) return null;
  if (store.method === 'POST') return 201;
  if (store.method === 'DELETE') return 204;
  return 200;
}

function uuidOrNull(value: string | null | undefined): string | null {
  return value && isUuid(value) ? value.toLowerCase() : null;
}
