export { AuditModule } from './audit.module';
export { AuditService, SYSTEM_TENANT_ID, type PreparedEntry } from './audit.service';
export { entryCte } from './audit-writer';
export { AuditQueryService } from './audit-query.service';
export { AuditRetentionService } from './audit-retention.service';
export type { AuditEvent, AuditSeverity } from './audit-event';
export { AuditAction, AUDIT_ACTION_KEY, type AuditActionMetadata } from './audit-action.decorator';
export { GENESIS_HASH, entryHash, type ChainedEntry } from './chain/audit-chain';
