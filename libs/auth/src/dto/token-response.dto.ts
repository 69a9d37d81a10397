import { ApiProperty } from '@nestjs/swagger';
import { UserDto } from '@app/users';

/** What register, login and refresh answer (with `Cache-Control: no-store`). */
export class TokenResponseDto {
  @ApiProperty({ type: UserDto })
  user!: UserDto;

  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' })
  accessToken!: string;

  @ApiProperty({ example: 'mS0x9pQ3n2lY4u1wG2c5Zf8hJk7rT6vB3aE0dN9sL1o' })
  refreshToken!: string;

  @ApiProperty({ example: 'Bearer', enum: ['Bearer'], enumName: 'TokenType' })
  tokenType!: 'Bearer';

  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' })
  expiresIn!: number;
}
