import { Module } from '@nestjs/common';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { PasswordService } from './password.service';
import { TenantsRepository } from './tenants.repository';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Tenants and users. */
@Module({
  controllers: [UsersController],
  providers: [
    UsersService,
    UsersRepository,
    TenantsRepository,
    PasswordService,
    AdminBootstrapService,
  ],
  exports: [UsersService, PasswordService],
})
export class UsersModule {}
