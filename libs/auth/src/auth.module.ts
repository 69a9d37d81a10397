import { Module } from '@nestjs/common';

/** The auth module; its issue fills it in. */
@Module({})
export class AuthModule {}
