import { ApiProperty } from '@nestjs/swagger';
import { ApiKeyDto } from '@app/api-keys';
import { UserDto } from '@app/users';

export class ExportedSessionDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'logout' })
  revokedReason!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastRefreshedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip!: string | null;

  @ApiProperty({ type: String, nullable: true })
  userAgent!: string | null;
}

export class ExportedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: string | null;
}

/** Everything stored about the caller (data portability); never a hash or secret. */
export class MeExportDto {
  @ApiProperty({ format: 'date-time' })
  exportedAt!: string;

  @ApiProperty({ type: UserDto })
  profile!: UserDto;

  @ApiProperty({ type: ExportedApiKeyDto, isArray: true })
  apiKeys!: ExportedApiKeyDto[];

  @ApiProperty({ type: ExportedSessionDto, isArray: true })
  sessions!: ExportedSessionDto[];

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: "The caller's own audit entries",
  })
  auditTrail!: Array<Record<string, unknown>>;
}
