import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import {
  DEFAULT_BLOCK_LIMITS as L,
  IsBlockContent,
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
  @IsOptional()
  @IsBlockTitle()
  title?: string;

  @ApiPropertyOptional({ description: CONTENT_DOC, example: '# Welcome back' })
  @IsOptional()
  @IsBlockContent()
  content?: string;

  @ApiPropertyOptional({ enum: BlockType, enumName: 'BlockType', example: BlockType.MARKDOWN })
  @IsOptional()
  @IsEnum(BlockType)
  type?: BlockType;

  @ApiPropertyOptional({
    description: TAGS_DOC,
    type: String,
    isArray: true,
    maxItems: L.maxTags,
    example: ['homepage'],
  })
  @IsOptional()
  @IsBlockTags()
  tags?: string[];

  @ApiPropertyOptional({
    description: METADATA_DOC,
    type: 'object',
    additionalProperties: true,
    example: { locale: 'en' },
  })
  @IsOptional()
  @IsBlockMetadata()
  metadata?: Record<string, unknown>;
}
