import { Module } from '@nestjs/common';

/** The metrics module; its issue fills it in. */
@Module({})
export class MetricsModule {}
