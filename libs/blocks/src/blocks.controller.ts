import { Get, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import { ApiProblems, PageOf, Scopes, type Page } from '@app/common';
import { BlocksApi } from './block-api.decorators';
import { BlockSearchService } from './block-search.service';
import {
  SearchBlocksQueryDto,
  SearchHitDto,
  SuggestQueryDto,
  SuggestionsDto,
} from './dto/search.dto';

/**
 * `/api/blocks/search` and `/suggest`. Registered before every other blocks controller, so
 * its fixed paths come first in the route table and the OpenAPI document.
 */
@BlocksApi()
export class BlocksController {
  constructor(private readonly search: BlockSearchService) {}

  // Fixed paths first: they must never be taken for an id.

  @Get('search')
  @Scopes('read')
  @AuditAction('search.query')
  @ApiOperation({
    operationId: 'searchBlocks',
    summary: 'Ranked full-text search (web-search syntax) with a highlighted excerpt',
    description:
      'Ranked by ts_rank_cd with the title weighted above tags above content. A query matching more than 2000 blocks ranks the 2000 most recently updated matches (so a very broad query stays fast); refine it to reach older blocks. Only the first 100 000 characters of content are indexed.',
  })
  @ApiResponse({ status: 200, type: PageOf(SearchHitDto) })
  @ApiProblems(400, 403, 503)
  searchBlocks(@Query() query: SearchBlocksQueryDto): Promise<Page<SearchHitDto>> {
    return this.search.search(query.q, query.limit, query.cursor);
  }

  @Get('suggest')
  @Scopes('read')
  @AuditAction('search.query')
  @ApiOperation({ operationId: 'suggestBlockTitles', summary: 'Title completion, at most 10' })
  @ApiResponse({ status: 200, type: SuggestionsDto })
  @ApiProblems(400, 403)
  suggest(@Query() query: SuggestQueryDto): Promise<SuggestionsDto> {
    return this.search.suggest(query.prefix);
  }
}
