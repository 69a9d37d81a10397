import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { BlockType } from './block-type';

/** One version of a block: the full state it had. The highest version is the current state. */
export class BlockVersionDto {
  @ApiProperty({ format: 'uuid' })
  blockId!: string;

  @ApiProperty({ example: 2 })
  version!: number;

  @ApiProperty({ example: 'Welcome banner' })
  title!: string;

  @ApiProperty({ example: '# Welcome' })
  content!: string;

  @ApiProperty({ enum: BlockType, enumName: 'BlockType' })
  type!: BlockType;

  @ApiProperty({ type: String, isArray: true, example: ['homepage'] })
  tags!: string[];

  @ApiProperty({ type: 'object', additionalProperties: true, example: { locale: 'en' } })
  metadata!: Record<string, unknown>;

  @ApiProperty({ description: 'Whether the block was deleted in this version', example: false })
  deleted!: boolean;

  @ApiProperty({ format: 'date-time', description: 'When this version was made' })
  createdAt!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who made it' })
  createdBy!: string | null;

  @ApiProperty({ description: 'True for the block as it is now', example: false })
  current!: boolean;
}

export class CompareVersionsQueryDto {
  @ApiProperty({ minimum: 1, example: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  from!: number;

  @ApiProperty({ minimum: 1, example: 3 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  to!: number;
}

export class ValueChangeDto {
  @ApiProperty({ description: 'Value in `from`' })
  from!: unknown;

  @ApiProperty({ description: 'Value in `to`' })
  to!: unknown;
}

export class TagsChangeDto {
  @ApiProperty({ type: String, isArray: true, example: ['news'] })
  added!: string[];

  @ApiProperty({ type: String, isArray: true, example: ['draft'] })
  removed!: string[];
}

export class VersionChangesDto {
  @ApiPropertyOptional({ type: ValueChangeDto, description: 'Present when the title differs' })
  title?: ValueChangeDto;

  @ApiPropertyOptional({ type: ValueChangeDto, description: 'Present when the type differs' })
  type?: ValueChangeDto;

  @ApiPropertyOptional({ type: TagsChangeDto, description: 'Present when the tags differ' })
  tags?: TagsChangeDto;

  @ApiPropertyOptional({
    type: ValueChangeDto,
    description: 'Present when the metadata differs (whole objects)',
  })
  metadata?: ValueChangeDto;

  @ApiProperty({
    description: 'Unified diff of the content (empty string when equal)',
    example: '--- v1\n+++ v3\n@@ -1,1 +1,1 @@\n-# Welcome\n+# Welcome back\n',
  })
  content!: string;
}

export class VersionComparisonDto {
  @ApiProperty({ example: 1 })
  from!: number;

  @ApiProperty({ example: 3 })
  to!: number;

  @ApiProperty({ type: VersionChangesDto })
  changes!: VersionChangesDto;
}

/** A version in a list: everything but the content, which `GET .../versions/{n}` returns. */
export class BlockVersionSummaryDto extends OmitType(BlockVersionDto, ['content'] as const) {
  @ApiProperty({ description: 'Length of the content in characters', example: 1834 })
  contentLength!: number;
}
