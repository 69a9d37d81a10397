import { SetMetadata } from '@nestjs/common';
import type { AuditActionName } from './audit-actions';

export const AUDIT_ACTION_KEY = 'audit:action';

export interface AuditActionMetadata {
  action: AuditActionName;
  resourceType?: string;
  /** Name of the route param holding the resource id (default `id`). */
  idParam?: string;
}

/**
 * Names the audit action of a route (`block.read`, `search.query`, ...). Requests to it are
 * recorded by the audit interceptor unless the service already recorded a change entry.
 */
export const AuditAction = (
  action: AuditActionName,
  resourceType?: string,
  idParam = 'id',
): MethodDecorator & ClassDecorator =>
  SetMetadata(AUDIT_ACTION_KEY, { action, resourceType, idParam } satisfies AuditActionMetadata);
