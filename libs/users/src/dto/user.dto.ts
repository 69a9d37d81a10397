import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '@app/common';

/** A user as the API shows it: never a hash or secret. */
export class UserDto {
  @ApiProperty({ format: 'uuid', example: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '01936b9e-3c19-7f00-8a1b-2c3d4e5f6a7b' })
  tenantId!: string;

  @ApiProperty({ example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ example: 'ada' })
  username!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Ada Lovelace' })
  displayName!: string | null;

  @ApiProperty({ enum: ROLES, enumName: 'Role', example: 'user' })
  role!: Role;

  @ApiProperty({ example: true })
  isActive!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}
