import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'ada', description: 'Email or username (case-insensitive)' })
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  login!: string;

  @ApiProperty({ example: 'correct horse battery staple 42' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  password!: string;
}
