export { AuditModule } from './audit.module';
export { AuditService } from './audit.service';
export type { AuditEvent, AuditSeverity } from './audit-event';
export { AuditAction, AUDIT_ACTION_KEY, type AuditActionMetadata } from './audit-action.decorator';
