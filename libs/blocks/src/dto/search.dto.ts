import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { PageOf, PageQueryDto } from '@app/common';
import { BlockDto } from './block.dto';

export enum SearchMode {
  FULLTEXT = 'fulltext',
  SEMANTIC = 'semantic',
  HYBRID = 'hybrid',
}

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

  @ApiPropertyOptional({
    enum: SearchMode,
    enumName: 'SearchMode',
    default: SearchMode.FULLTEXT,
    description:
      '`semantic` ranks by embedding similarity (503 EMBEDDINGS_NOT_CONFIGURED without a provider); `hybrid` fuses full-text and vector ranks (reciprocal rank fusion, k = 60) and falls back to full text without a provider',
  })
  @IsOptional()
  @IsEnum(SearchMode)
  mode?: SearchMode;
}

/** One search hit: the block, its rank and a highlighted excerpt. */
export class SearchHitDto extends BlockDto {
  @ApiProperty({
    description:
      'Relevance, higher is better: ts_rank_cd (fulltext), cosine similarity (semantic) or the fused reciprocal-rank score (hybrid)',
    example: 0.4,
  })
  score!: number;

  @ApiProperty({
    description:
      'Excerpt of the title and content, HTML-escaped, with matches wrapped in <mark>...</mark> and no other markup: safe to insert as HTML.',
    example: '<mark>Welcome</mark> banner ... Glad to have you here',
  })
  highlight!: string;
}

/** A page of hits and how they were ranked. */
export class SearchHitPage extends PageOf(SearchHitDto) {
  @ApiProperty({
    enum: SearchMode,
    enumName: 'SearchMode',
    description: 'How the hits were ranked: `fulltext` also when `hybrid` had no provider',
  })
  method!: SearchMode;
}

/** `GET /api/blocks/{id}/similar` */
export class SimilarQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}

export enum SimilarMethod {
  EMBEDDING = 'embedding',
  LEXICAL = 'lexical',
}

export class SimilarBlockDto extends BlockDto {
  @ApiProperty({
    description:
      "Cosine similarity of the embeddings, or (lexical) the shared rare words weighted by IDF over the square root of the block's word count; higher is more similar",
    example: 0.42,
  })
  score!: number;
}

export class SimilarBlocksDto {
  @ApiProperty({ type: SimilarBlockDto, isArray: true })
  items!: SimilarBlockDto[];

  @ApiProperty({ enum: SimilarMethod, enumName: 'SimilarMethod' })
  method!: SimilarMethod;
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
