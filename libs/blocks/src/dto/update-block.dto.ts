import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum } from 'class-validator';
import {
  DEFAULT_BLOCK_LIMITS as L,
  IsBlockContent,
  IsOptionalNotNull,
  IsBlockMetadata,
  IsBlockTags,
  IsBlockTitle,
} from '../block-limits';
import { BlockType } from './block-type';
import { CONTENT_DOC, METADATA_DOC, TAGS_DOC, TITLE_DOC } from './create-block.dto';

/** Body of `PATCH /api/blocks/{id}`: only the fields present change; metadata is replaced whole. */
export class UpdateBlockDto {
  @ApiPropertyOptional({
    description: TITLE_DOC,
    minLength: 1,
    maxLength: L.maxTitleLength,
    example: 'Welcome banner (v2)',
  })
  @IsOptionalNotNull()
  @IsBlockTitle()
  title?: string;

  @ApiPropertyOptional({ description: CONTENT_DOC, example: '# Welcome back' })
  @IsOptionalNotNull()
  @IsBlockContent()
  content?: string;

  @ApiPropertyOptional({ enum: BlockType, enumName: 'BlockType', example: BlockType.MARKDOWN })
  @IsOptionalNotNull()
  @IsEnum(BlockType)
  type?: BlockType;

  @ApiPropertyOptional({
    description: TAGS_DOC,
    type: String,
    isArray: true,
    maxItems: L.maxTags,
    example: ['homepage'],
  })
  @IsOptionalNotNull()
  @IsBlockTags()
  tags?: string[];

  @ApiPropertyOptional({
    description: METADATA_DOC,
    type: 'object',
    additionalProperties: true,
    example: { locale: 'en' },
  })
  @IsOptionalNotNull()
  @IsBlockMetadata()
  metadata?: Record<string, unknown>;
}
