import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { NewPasswordField } from '@app/users';

export class ChangePasswordDto {
  @ApiProperty({ example: 'correct horse battery staple 42' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  currentPassword!: string;

  @NewPasswordField()
  newPassword!: string;

  @ApiPropertyOptional({
    description:
      'A password change may answer a stolen password, and keys made with it would outlive ' +
      'it: every API key of the caller is revoked with the change unless this is true ' +
      '(default: false).',
  })
  @IsOptional()
  @IsBoolean()
  keepApiKeys?: boolean;
}
