import { ApiProperty } from '@nestjs/swagger';
import { API_KEY_SCOPES, type ApiKeyScope } from '@app/common';

/** An API key as lists show it: never the secret. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'The owner' })
  userId!: string;

  @ApiProperty({ example: 'CI pipeline' })
  name!: string;

  @ApiProperty({ example: 'a1B2c3D4', description: 'Public part of the key, `cb_<prefix>_...`' })
  prefix!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, enumName: 'ApiKeyScope', isArray: true, example: ['read'] })
  scopes!: ApiKeyScope[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 600 })
  rateLimitPerMinute!: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastUsedAt!: string | null;

  @ApiProperty({ example: 42 })
  usageCount!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** A new or rotated key: the full `key` is shown here once and never again. */
export class CreatedApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'CI pipeline' })
  name!: string;

  @ApiProperty({
    example: 'cb_a1B2c3D4_Jx3v9Q2mN8pL5sR7tU1wY4zA6bC0dE2fG3hI5kM7nO9',
    description: 'The whole key; store it now, it is never shown again',
  })
  key!: string;

  @ApiProperty({ example: 'a1B2c3D4' })
  prefix!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, enumName: 'ApiKeyScope', isArray: true, example: ['read'] })
  scopes!: ApiKeyScope[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 600 })
  rateLimitPerMinute!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}
