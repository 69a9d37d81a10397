import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditController } from './audit.controller';
import { AuditHttpRecorder, AuditMarkGuard } from './audit-http.recorder';
import { AuditLogRepository } from './audit-log.repository';
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
    AuditMarkGuard,
  ],
  // The guard is registered globally by the app module, which orders the global guards.
  exports: [AuditService, AuditQueryService, AuditRetentionService, AuditMarkGuard],
})
export class AuditModule {}
