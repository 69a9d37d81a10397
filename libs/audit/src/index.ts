export { AuditModule } from './audit.module';
export { AuditService } from './audit.service';
export type { AuditEvent, AuditSeverity } from './audit-event';
