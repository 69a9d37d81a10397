import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { TenantEntity } from './entities/tenant.entity';
import { UserEntity } from './entities/user.entity';
import { PasswordService } from './password.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** Tenants and users. */
@Module({
  imports: [TypeOrmModule.forFeature([TenantEntity, UserEntity])],
  controllers: [UsersController],
  providers: [UsersService, PasswordService, AdminBootstrapService],
  exports: [UsersService, PasswordService],
})
export class UsersModule {}
