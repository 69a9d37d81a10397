import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { DisplayNameField, EmailField, NewPasswordField, UsernameField } from '@app/users';

/** Registration: a new tenant with this user as its admin. No role or tenant id is accepted. */
export class RegisterDto {
  @EmailField()
  email!: string;

  @UsernameField()
  username!: string;

  @NewPasswordField()
  password!: string;

  @DisplayNameField()
  displayName?: string;

  @ApiPropertyOptional({ example: 'Acme content team', maxLength: 100 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  tenantName?: string;
}
