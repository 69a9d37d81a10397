import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { NewPasswordField } from '@app/users';

export class ChangePasswordDto {
  @ApiProperty({ example: 'correct horse battery staple 42' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  currentPassword!: string;

  @NewPasswordField()
  newPassword!: string;
}
