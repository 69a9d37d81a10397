import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { ROLES, type Role } from '@app/common';
import { DisplayNameField } from './fields';

/** What an admin may change on a user of its tenant. */
export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES, enumName: 'Role', example: 'guest' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ example: false, description: 'false ends its sessions and keys at once' })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;

  @DisplayNameField()
  displayName?: string;
}
