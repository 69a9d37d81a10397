import { Module } from '@nestjs/common';

/** The users module; its issue fills it in. */
@Module({})
export class UsersModule {}
