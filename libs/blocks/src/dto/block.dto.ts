import { ApiProperty } from '@nestjs/swagger';
import { BlockType } from './block-type';

/** A block as the API returns it. */
export class BlockDto {
  @ApiProperty({ format: 'uuid', example: '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d2f' })
  id!: string;

  @ApiProperty({ example: 'Welcome banner' })
  title!: string;

  @ApiProperty({ example: '# Welcome\n\nGlad to have you here.' })
  content!: string;

  @ApiProperty({ enum: BlockType, enumName: 'BlockType', example: BlockType.MARKDOWN })
  type!: BlockType;

  @ApiProperty({ type: String, isArray: true, example: ['homepage', 'onboarding'] })
  tags!: string[];

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { locale: 'en', audience: 'new-users' },
  })
  metadata!: Record<string, unknown>;

  @ApiProperty({ description: 'Starts at 1; every change adds one', example: 3 })
  version!: number;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T00:20:00.000Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T01:05:00.000Z' })
  updatedAt!: string;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    example: '01936f0e-0000-7000-8000-000000000001',
  })
  createdBy!: string | null;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    example: '01936f0e-0000-7000-8000-000000000001',
  })
  updatedBy!: string | null;
}
