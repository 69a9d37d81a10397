import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** The audit trail; global so every module can record its changes. */
@Global()
@Module({
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
