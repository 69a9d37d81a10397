import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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

export const TITLE_DOC = `1..${L.maxTitleLength} characters, single line (limit: BLOCKS_MAX_TITLE_LENGTH)`;
export const CONTENT_DOC = `At most ${L.maxContentBytes} bytes in UTF-8 (limit: BLOCKS_MAX_CONTENT_BYTES)`;
export const TAGS_DOC = `At most ${L.maxTags} distinct tags of 1..${L.maxTagLength} characters (limits: BLOCKS_MAX_TAGS, BLOCKS_MAX_TAG_LENGTH)`;
export const METADATA_DOC = `Any JSON object of at most ${L.maxMetadataBytes} bytes serialised (limit: BLOCKS_MAX_METADATA_BYTES); replaced as a whole on update`;

/** Body of `POST /api/blocks`. */
export class CreateBlockDto {
  @ApiProperty({
    description: TITLE_DOC,
    minLength: 1,
    maxLength: L.maxTitleLength,
    example: 'Welcome banner',
  })
  @IsBlockTitle()
  title!: string;

  @ApiPropertyOptional({
    description: `${CONTENT_DOC}. Default: ''`,
    example: '# Welcome\n\nGlad to have you here.',
  })
  @IsOptionalNotNull()
  @IsBlockContent()
  content?: string;

  @ApiPropertyOptional({
    enum: BlockType,
    enumName: 'BlockType',
    description: `Default: ${BlockType.TEXT}`,
    example: BlockType.MARKDOWN,
  })
  @IsOptionalNotNull()
  @IsEnum(BlockType)
  type?: BlockType;

  @ApiPropertyOptional({
    description: `${TAGS_DOC}. Default: []`,
    type: String,
    isArray: true,
    maxItems: L.maxTags,
    example: ['homepage', 'onboarding'],
  })
  @IsOptionalNotNull()
  @IsBlockTags()
  tags?: string[];

  @ApiPropertyOptional({
    description: `${METADATA_DOC}. Default: {}`,
    type: 'object',
    additionalProperties: true,
    example: { locale: 'en', audience: 'new-users' },
  })
  @IsOptionalNotNull()
  @IsBlockMetadata()
  metadata?: Record<string, unknown>;
}
