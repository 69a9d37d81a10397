import { Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import { ApiProblems, HeavyOperation, UuidPipe } from '@app/common';
import { ReadAccess } from './block-access.decorators';
import { BlocksApi } from './block-api.decorators';
import { BlockSearchService } from './block-search.service';
import {
  SearchBlocksQueryDto,
  SearchHitPage,
  SimilarBlocksDto,
  SimilarQueryDto,
  SuggestQueryDto,
  SuggestionsDto,
} from './dto/search.dto';

/** `/api/blocks` search, suggestions and similar blocks: thin; the rules live in the service. */
@BlocksApi()
export class BlockSearchController {
  constructor(private readonly search: BlockSearchService) {}

  @Get('search')
  @ReadAccess()
  @HeavyOperation('search')
  @AuditAction('search.query')
  @ApiOperation({
    operationId: 'searchBlocks',
    summary: 'Ranked full-text search (web-search syntax) with a highlighted excerpt',
    description:
      'Ranked by ts_rank_cd with the title weighted above tags above content, over every match (exact order). Only the first 100 000 characters of content are indexed; the highlight is taken from the title and the first 2 000 characters. `mode=semantic|hybrid` ranks by embeddings (hybrid: reciprocal rank fusion with full text) within the best 100 of each.',
  })
  @ApiResponse({ status: 200, type: SearchHitPage })
  @ApiProblems(400, 403, 503)
  searchBlocks(@Query() query: SearchBlocksQueryDto): Promise<SearchHitPage> {
    return this.search.search(query);
  }

  @Get('suggest')
  @ReadAccess()
  @AuditAction('search.query')
  @ApiOperation({ operationId: 'suggestBlockTitles', summary: 'Title completion, at most 10' })
  @ApiResponse({ status: 200, type: SuggestionsDto })
  @ApiProblems(400, 403)
  suggest(@Query() query: SuggestQueryDto): Promise<SuggestionsDto> {
    return this.search.suggest(query.prefix);
  }

  @Get(':id/similar')
  @ReadAccess()
  @HeavyOperation('search')
  @AuditAction('search.query', 'block')
  @ApiOperation({
    operationId: 'similarBlocks',
    summary: 'Blocks like this one: nearest embeddings, or shared rare words without a provider',
    description:
      'With an embedding provider and a vector for the block: its nearest neighbours (`method: "embedding"`). Otherwise "more like this": the block\'s 25 words with the highest tf-idf (document frequencies from the tenant\'s 5 000 newest blocks) OR-ed into one query, words in more than half of them left out, at most 1 000 candidates scored (`method: "lexical"`).',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'Block id' })
  @ApiResponse({ status: 200, type: SimilarBlocksDto })
  @ApiProblems(400, 403, 404, 503)
  similar(
    @Param('id', UuidPipe) id: string,
    @Query() query: SimilarQueryDto,
  ): Promise<SimilarBlocksDto> {
    return this.search.similar(id, query.limit);
  }
}
