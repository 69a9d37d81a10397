import { Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuditAction } from '@app/audit';
import { ApiProblems, PageOf, PageQueryDto, UuidPipe, type Page } from '@app/common';
import { ReadAccess, WriteAccess } from './block-access.decorators';
import { BlocksApi, ETAG_HEADER, ID, IF_MATCH, VERSION } from './block-api.decorators';
import { BlockVersionsService } from './block-versions.service';
import { BlockDto } from './dto/block.dto';
import {
  BlockVersionDto,
  BlockVersionSummaryDto,
  CompareVersionsQueryDto,
  VersionComparisonDto,
} from './dto/block-version.dto';
import { setEtag } from './etag';
import { VersionNumberPipe } from './version-number.pipe';

/** `/api/blocks/{id}/versions`: a block's history, compared and restored. */
@BlocksApi()
export class BlockVersionsController {
  constructor(private readonly versions: BlockVersionsService) {}

  @Get(':id/versions')
  @ReadAccess()
  @AuditAction('block.read', 'block')
  @ID
  @ApiOperation({
    operationId: 'listBlockVersions',
    summary: 'Versions of a block, newest (the current state) first, without their content',
  })
  @ApiResponse({ status: 200, type: PageOf(BlockVersionSummaryDto) })
  @ApiProblems(400, 403, 404)
  listVersions(
    @Param('id', UuidPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<BlockVersionSummaryDto>> {
    return this.versions.list(id, query.limit, query.cursor);
  }

  @Get(':id/versions/compare')
  @ReadAccess()
  @AuditAction('block.read', 'block')
  @ID
  @ApiOperation({
    operationId: 'compareBlockVersions',
    summary:
      'What changed from one version to another: title, type, tags, metadata and a unified diff of the content',
    description:
      'The content diff runs on a worker thread. A version whose content is larger than BLOCKS_DIFF_MAX_BYTES (default 1 MiB) is not diffed: 422 with reason DIFF_TOO_LARGE (read both versions instead). A diff that needs more than the worker time budget is a 422 WORK_TIME_LIMIT; with every worker busy, a 503 with Retry-After.',
  })
  @ApiResponse({ status: 200, type: VersionComparisonDto })
  @ApiProblems(400, 403, 404, 422, 503)
  compare(
    @Param('id', UuidPipe) id: string,
    @Query() query: CompareVersionsQueryDto,
  ): Promise<VersionComparisonDto> {
    return this.versions.compare(id, query.from, query.to);
  }

  @Get(':id/versions/:n')
  @ReadAccess()
  @AuditAction('block.read', 'block')
  @ID
  @VERSION
  @ApiOperation({
    operationId: 'getBlockVersion',
    summary: 'One version of a block, with its content',
  })
  @ApiResponse({ status: 200, type: BlockVersionDto })
  @ApiProblems(400, 403, 404)
  getVersion(
    @Param('id', UuidPipe) id: string,
    @Param('n', VersionNumberPipe) n: number,
  ): Promise<BlockVersionDto> {
    return this.versions.get(id, n);
  }

  @Post(':id/versions/:n/restore')
  @HttpCode(200)
  @WriteAccess()
  @AuditAction('block.update', 'block')
  @ID
  @VERSION
  @IF_MATCH
  @ApiOperation({
    operationId: 'restoreBlockVersion',
    summary: 'Make a new version whose title, content, type, tags and metadata equal version n',
  })
  @ApiResponse({ status: 200, type: BlockDto, headers: ETAG_HEADER })
  @ApiProblems(400, 403, 404, 412)
  async restoreVersion(
    @Param('id', UuidPipe) id: string,
    @Param('n', VersionNumberPipe) n: number,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BlockDto> {
    const block = await this.versions.restore(id, n, ifMatch);
    setEtag(reply, block.version);
    return block;
  }
}
