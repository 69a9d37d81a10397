import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsEnum, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsIsoInstant, PageQueryDto } from '@app/common';
import { BlockSort, BlockType } from './block-type';

const toArray = ({ value }: { value: unknown }): unknown =>
  value === undefined || Array.isArray(value) ? value : [value];

/** `GET /api/blocks` filters; each is backed by an index. */
export class ListBlocksQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: BlockType, enumName: 'BlockType' })
  @IsOptional()
  @IsEnum(BlockType)
  type?: BlockType;

  @ApiPropertyOptional({
    description: 'Repeatable; a block must carry every tag given',
    type: String,
    isArray: true,
    example: ['homepage'],
  })
  @IsOptional()
  @Transform(toArray)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(1000, { each: true })
  tag?: string[];

  @ApiPropertyOptional({
    description: 'Full-text filter in web-search syntax ("exact phrase", -word, or)',
    maxLength: 500,
    example: 'welcome -draft',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  q?: string;

  @ApiPropertyOptional({
    description: 'Only blocks updated at or after this instant (ISO-8601)',
    format: 'date-time',
    example: '2026-11-01T00:00:00Z',
  })
  @IsOptional()
  @IsIsoInstant()
  updatedSince?: string;

  @ApiPropertyOptional({
    enum: BlockSort,
    enumName: 'BlockSort',
    default: BlockSort.UPDATED_AT_DESC,
    description: 'A cursor is only valid with the sort it was made for',
  })
  @IsOptional()
  @IsEnum(BlockSort)
  sort?: BlockSort;
}
