import { Module } from '@nestjs/common';

/** The api-keys module; its issue fills it in. */
@Module({})
export class ApiKeysModule {}
