import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class RefreshTokenDto {
  @ApiProperty({ example: 'mS0x9pQ3n2lY4u1wG2c5Zf8hJk7rT6vB3aE0dN9sL1o' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  refreshToken!: string;
}
