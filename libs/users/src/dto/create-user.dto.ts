import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ROLES, type Role } from '@app/common';
import { DisplayNameField, EmailField, NewPasswordField, UsernameField } from './fields';

/** An admin creates a user in its own tenant. */
export class CreateUserDto {
  @EmailField()
  email!: string;

  @UsernameField()
  username!: string;

  @NewPasswordField()
  password!: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role', example: 'user' })
  @IsIn(ROLES)
  role!: Role;

  @DisplayNameField()
  displayName?: string;
}
