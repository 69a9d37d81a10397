import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsInt, IsISO8601, IsOptional, IsUUID, ValidateIf } from 'class-validator';
import {
  IsBlockContent,
  IsBlockMetadata,
  IsBlockTags,
  IsBlockTitle,
  IsOptionalNotNull,
} from '../block-limits';
import { BlockType } from './block-type';

/**
 * One NDJSON line of an import: a block as export writes it. An `id` of the caller's tenant
 * (live or deleted) is updated; any other id creates a new block with a new server-made id.
 * Version, timestamps and authors are accepted (so an export imports unchanged) but ignored.
 */
export class ImportLineDto {
  @IsOptional()
  @IsUUID('all')
  id?: string;

  @IsBlockTitle()
  title!: string;

  @IsOptionalNotNull()
  @IsBlockContent()
  content?: string;

  @IsOptionalNotNull()
  @IsEnum(BlockType)
  type?: BlockType;

  @IsOptionalNotNull()
  @IsBlockTags()
  tags?: string[];

  @IsOptionalNotNull()
  @IsBlockMetadata()
  metadata?: Record<string, unknown>;

  @IsOptional()
  @IsInt()
  version?: number;

  @IsOptional()
  @IsISO8601()
  createdAt?: string;

  @IsOptional()
  @IsISO8601()
  updatedAt?: string;

  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsUUID('all')
  createdBy?: string | null;

  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsUUID('all')
  updatedBy?: string | null;
}

export class ImportFailureDto {
  @ApiProperty({ description: '1-based line number in the body', example: 7 })
  line!: number;

  @ApiProperty({
    example: 'title must be a non-blank single-line string of at most 200 characters',
  })
  error!: string;
}

export class ImportResultDto {
  @ApiProperty({ example: 120 })
  created!: number;

  @ApiProperty({ example: 30 })
  updated!: number;

  @ApiProperty({
    type: ImportFailureDto,
    isArray: true,
    description: 'Refused lines, in line order (at most the first 1000; see failedCount)',
  })
  failed!: ImportFailureDto[];

  @ApiProperty({ description: 'How many lines were refused in all', example: 1 })
  failedCount!: number;

  @ApiPropertyOptional({
    description: 'Set when the body exceeded the import limit; lines after it were not read',
    example: false,
  })
  truncated?: boolean;
}
