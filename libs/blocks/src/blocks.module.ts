import { Module } from '@nestjs/common';

/** The blocks module; its issue fills it in. */
@Module({})
export class BlocksModule {}
