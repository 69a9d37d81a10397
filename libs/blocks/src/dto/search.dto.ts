import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '@app/common';
import { BlockDto } from './block.dto';

/** `GET /api/blocks/search` */
export class SearchBlocksQueryDto extends PageQueryDto {
  @ApiProperty({
    description:
      'Web-search syntax: words, "exact phrase", -excluded, or. Any text is accepted; text without searchable words finds nothing.',
    minLength: 1,
    maxLength: 500,
    example: '"welcome banner" -draft',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  q!: string;
}

/** One search hit: the block, its rank and a highlighted excerpt. */
export class SearchHitDto extends BlockDto {
  @ApiProperty({ description: 'ts_rank_cd relevance (higher is better)', example: 0.4 })
  score!: number;

  @ApiProperty({
    description:
      'Excerpt of the title and content, HTML-escaped, with matches wrapped in <mark>...</mark> and no other markup: safe to insert as HTML.',
    example: '<mark>Welcome</mark> banner ... Glad to have you here',
  })
  highlight!: string;
}

/** `GET /api/blocks/suggest` */
export class SuggestQueryDto {
  @ApiProperty({
    description:
      'Title prefix (case-insensitive); fuzzy title matches fill up when fewer than 10 start with it',
    minLength: 1,
    maxLength: 200,
    example: 'wel',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  prefix!: string;
}

export class SuggestionDto {
  @ApiProperty({ format: 'uuid', example: '01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d2f' })
  id!: string;

  @ApiProperty({ example: 'Welcome banner' })
  title!: string;
}

export class SuggestionsDto {
  @ApiProperty({ type: SuggestionDto, isArray: true, maxItems: 10 })
  items!: SuggestionDto[];
}
