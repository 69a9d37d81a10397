import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditController } from './audit.controller';
import { AUDIT_METRICS, AuditMetrics } from './audit-metrics';
import { AuditHttpRecorder, AuditMarkGuard } from './audit-http.recorder';
import { AuditLogRepository } from './audit-log.repository';
import { AuditRefusals } from './audit-refusals';
import { AuditQueryService } from './audit-query.service';
import { AuditRetentionService } from './audit-retention.service';
import { AuditService } from './audit.service';

/** The audit trail; global so every module can record its changes. */
@Global()
@Module({
  imports: [ScheduleModule.forRoot()],
  controllers: [AuditController],
  providers: [
    AuditService,
    AuditLogRepository,
    AuditQueryService,
    AuditRetentionService,
    AuditHttpRecorder,
    AuditRefusals,
    AuditMarkGuard,
    ...AUDIT_METRICS,
    AuditMetrics,
  ],
  // The guard is registered globally by the app module, which orders the global guards.
  exports: [AuditService, AuditQueryService, AuditRetentionService, AuditMarkGuard, AuditMetrics],
})
export class AuditModule {}
