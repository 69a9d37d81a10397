import { Module } from '@nestjs/common';

/** The audit module; its issue fills it in. */
@Module({})
export class AuditModule {}
