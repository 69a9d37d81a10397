import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditController } from './audit.controller';
import { AuditHttpRecorder, AuditMarkGuard } from './audit-http.recorder';
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
    AuditQueryService,
    AuditRetentionService,
    AuditHttpRecorder,
    AuditMarkGuard,
    { provide: APP_GUARD, useExisting: AuditMarkGuard },
  ],
  exports: [AuditService, AuditQueryService, AuditRetentionService],
})
export class AuditModule {}
