import type { IncomingMessage } from 'node:http';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiNoContentResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditAction } from '@app/audit';
import {
  ApiProblems,
  Consumes,
  PageOf,
  PageQueryDto,
  Roles,
  Scopes,
  UuidPipe,
  type Page,
} from '@app/common';
import { BlockBulkService } from './block-bulk.service';
import { BlockRelationsService } from './block-relations.service';
import { BlockSearchService } from './block-search.service';
import { BlockTransferService } from './block-transfer.service';
import { BlockVersionsService } from './block-versions.service';
import { BlocksService } from './blocks.service';
import { BlockDto } from './dto/block.dto';
import {
  BlockVersionDto,
  BlockVersionSummaryDto,
  CompareVersionsQueryDto,
  VersionComparisonDto,
} from './dto/block-version.dto';
import { BulkRequestDto, BulkResponseDto } from './dto/bulk.dto';
import { CreateBlockDto } from './dto/create-block.dto';
import { ImportResultDto } from './dto/import.dto';
import { ListBlocksQueryDto } from './dto/list-blocks-query.dto';
import {
  CreateRelationDto,
  RelatedGraphDto,
  RelatedQueryDto,
  RelationDto,
} from './dto/relation.dto';
import { UpdateBlockDto } from './dto/update-block.dto';
import { etagOf, ifNoneMatchHits } from './etag';
import { NDJSON } from './ndjson';
import { VersionNumberPipe } from './version-number.pipe';

const ETAG_HEADER = {
  ETag: {
    description: 'Current version of the block, for If-Match / If-None-Match',
    schema: { type: 'string', example: '"v3"' },
  },
};
const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description: 'Only apply when the block still has this ETag; a stale one is a 412',
  example: '"v3"',
});
const ID = ApiParam({ name: 'id', format: 'uuid', description: 'Block id' });
const VERSION = ApiParam({ name: 'n', type: Number, description: 'Version number (1 = first)' });

/** `/api/blocks`: thin; every rule lives in the services. */
@ApiTags('blocks')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(401, 429)
@Controller('api/blocks')
export class BlocksController {
  constructor(
    private readonly blocks: BlocksService,
    private readonly versions: BlockVersionsService,
    private readonly relations: BlockRelationsService,
    private readonly search: BlockSearchService,
    private readonly transfer: BlockTransferService,
    private readonly bulk: BlockBulkService,
  ) {}

  // Fixed paths first: they must never be taken for an id.

  @Get('export')
  @Scopes('read')
  @AuditAction('block.export')
  @ApiOperation({
    operationId: 'exportBlocks',
    summary:
      'Every live block of the tenant as NDJSON (one BlockDto per line), streamed from a database cursor',
    description:
      'One consistent snapshot, in id order, in constant memory. A tenant may run at most TENANT_CONCURRENCY export operations at once per instance (default 2; more wait up to CONCURRENCY_WAIT_MS, then 429 with Retry-After; 503 when the instance is at INSTANCE_CONCURRENCY_MAX); a client that stops reading for 60 s is disconnected; an export may last at most 30 minutes.',
  })
  @ApiProduces(NDJSON)
  @ApiResponse({
    status: 200,
    description: 'One JSON block per line, in id order',
    content: {
      [NDJSON]: {
        schema: {
          type: 'string',
          example:
            '{"id":"...","title":"Welcome","content":"...","type":"text","tags":[],"metadata":{},"version":1,...}\n',
        },
      },
    },
  })
  @ApiProblems(403, 503)
  async exportBlocks(@Res() reply: FastifyReply): Promise<void> {
    const stream = await this.transfer.export();
    await reply
      .header('content-type', `${NDJSON}; charset=utf-8`)
      .header('cache-control', 'no-store')
      .send(stream);
  }

  @Post('import')
  @HttpCode(200)
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('block.import', 'block')
  @ApiOperation({
    operationId: 'importBlocks',
    summary: 'Upsert blocks by id from an NDJSON body (lines as export writes them)',
    description:
      'Each line is validated like a create body (`id` optional; `version`, timestamps and authors are accepted and ignored) and written in its own savepoint: a bad line is listed in `failed` and never spoils the others. An id of an existing block of the tenant updates it (a deleted one is restored); an unknown id creates the block with that id. The body may be at most BLOCKS_IMPORT_MAX_BYTES (default 100 MiB): a larger Content-Length is a 413 before anything is read; a chunked body is read up to the limit and reported `truncated`.',
  })
  @Consumes(NDJSON)
  @ApiBody({
    schema: {
      type: 'string',
      example:
        '{"title":"First","content":"Hello"}\n{"id":"01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d2f","title":"Second"}\n',
    },
  })
  @ApiResponse({ status: 200, type: ImportResultDto })
  @ApiProblems(403, 413, 415, 503)
  importBlocks(@Req() request: FastifyRequest): Promise<ImportResultDto> {
    return this.transfer.import(request.body as IncomingMessage, {
      contentType: request.headers['content-type'],
      contentLength: request.headers['content-length'],
    });
  }

  @Post('bulk')
  @HttpCode(200)
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('block.bulk', 'block')
  @ApiOperation({
    operationId: 'bulkBlocks',
    summary: 'Up to 500 creates, updates and deletes in one transaction: all or nothing',
    description:
      'Every operation is validated first (field errors are named `operations.<index>.data.<field>`). A failing operation aborts the whole request with its own status (404, 409, ...) and a detail starting `operations[<index>]`.',
  })
  @ApiResponse({ status: 200, type: BulkResponseDto })
  @ApiProblems(400, 403, 404, 409, 413, 503)
  bulkBlocks(@Body() body: BulkRequestDto): Promise<BulkResponseDto> {
    return this.bulk.apply(body);
  }

  @Post()
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('block.create', 'block')
  @ApiOperation({ operationId: 'createBlock', summary: 'Create a block' })
  @ApiResponse({
    status: 201,
    type: BlockDto,
    headers: {
      ...ETAG_HEADER,
      Location: {
        description: 'URL of the new block',
        schema: { type: 'string', example: '/api/blocks/01936f0e-8c4a-7d2b-9f10-3c5e7a9b1d2f' },
      },
    },
  })
  @ApiProblems(400, 403, 413, 415)
  async create(
    @Body() body: CreateBlockDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BlockDto> {
    const block = await this.blocks.create(body);
    void reply.header('etag', etagOf(block.version)).header('location', `/api/blocks/${block.id}`);
    return block;
  }

  @Get()
  @Scopes('read')
  @AuditAction('block.list', 'block')
  @ApiOperation({
    operationId: 'listBlocks',
    summary: 'List blocks with filters; keyset (cursor) pagination for every sort',
  })
  @ApiResponse({ status: 200, type: PageOf(BlockDto) })
  @ApiProblems(400, 403)
  list(@Query() query: ListBlocksQueryDto): Promise<Page<BlockDto>> {
    return this.search.list(query);
  }

  @Get(':id')
  @Scopes('read')
  @AuditAction('block.read', 'block')
  @ID
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'The ETag the client holds; when still current the answer is a 304 without body',
    example: '"v3"',
  })
  @ApiOperation({ operationId: 'getBlock', summary: 'Get a block' })
  @ApiResponse({ status: 200, type: BlockDto, headers: ETAG_HEADER })
  @ApiResponse({
    status: 304,
    description: 'Not modified (If-None-Match matched)',
    headers: ETAG_HEADER,
  })
  @ApiProblems(400, 403, 404)
  async get(
    @Param('id', UuidPipe) id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BlockDto | undefined> {
    const block = await this.blocks.get(id);
    const etag = etagOf(block.version);
    // Tenant data: never in shared caches, and revalidated (cheaply, with the ETag) each time.
    void reply.header('etag', etag).header('cache-control', 'private, no-cache');
    if (ifNoneMatchHits(ifNoneMatch, etag)) {
      void reply.status(304);
      return undefined;
    }
    return block;
  }

  @Patch(':id')
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('block.update', 'block')
  @ID
  @IF_MATCH
  @ApiOperation({
    operationId: 'updateBlock',
    summary: 'Change a block; each change makes a new version (an unchanged body makes none)',
  })
  @ApiResponse({ status: 200, type: BlockDto, headers: ETAG_HEADER })
  @ApiProblems(400, 403, 404, 412, 413, 415)
  async update(
    @Param('id', UuidPipe) id: string,
    @Body() body: UpdateBlockDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BlockDto> {
    const block = await this.blocks.update(id, body, ifMatch);
    void reply.header('etag', etagOf(block.version));
    return block;
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('block.delete', 'block')
  @ID
  @IF_MATCH
  @ApiOperation({
    operationId: 'deleteBlock',
    summary: 'Soft delete: the block leaves reads, lists, search and export until restored',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(400, 403, 404, 412)
  remove(
    @Param('id', UuidPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.blocks.remove(id, ifMatch);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('block.restore', 'block')
  @ID
  @IF_MATCH
  @ApiOperation({
    operationId: 'restoreBlock',
    summary: 'Undo a delete (409 if the block is not deleted)',
  })
  @ApiResponse({ status: 200, type: BlockDto, headers: ETAG_HEADER })
  @ApiProblems(400, 403, 404, 409, 412)
  async restore(
    @Param('id', UuidPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BlockDto> {
    const block = await this.blocks.restore(id, ifMatch);
    void reply.header('etag', etagOf(block.version));
    return block;
  }

  @Get(':id/versions')
  @Scopes('read')
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
  @Scopes('read')
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
  @Scopes('read')
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
  @Roles('user', 'admin')
  @Scopes('write')
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
    void reply.header('etag', etagOf(block.version));
    return block;
  }

  @Post(':id/relations')
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('block.relation_create', 'block')
  @ID
  @ApiOperation({
    operationId: 'createBlockRelation',
    summary: 'Relate this block to another live block of the same tenant',
    description:
      'A missing target (or one of another tenant) is a 404 with reason TARGET_NOT_FOUND; a self-relation a 400; the same (source, target, type) twice a 409.',
  })
  @ApiResponse({ status: 201, type: RelationDto })
  @ApiProblems(400, 403, 404, 409)
  createRelation(
    @Param('id', UuidPipe) id: string,
    @Body() body: CreateRelationDto,
  ): Promise<RelationDto> {
    return this.relations.create(id, body.targetId, body.type);
  }

  @Delete(':id/relations/:relationId')
  @HttpCode(204)
  @Roles('user', 'admin')
  @Scopes('write')
  @AuditAction('block.relation_delete', 'block')
  @ID
  @ApiParam({ name: 'relationId', format: 'uuid' })
  @ApiOperation({ operationId: 'deleteBlockRelation', summary: 'Remove a relation of this block' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblems(400, 403, 404)
  removeRelation(
    @Param('id', UuidPipe) id: string,
    @Param('relationId', UuidPipe) relationId: string,
  ): Promise<void> {
    return this.relations.remove(id, relationId);
  }

  @Get(':id/related')
  @Scopes('read')
  @AuditAction('block.read', 'block')
  @ID
  @ApiOperation({
    operationId: 'getRelatedBlocks',
    summary:
      'Blocks within `depth` hops in either direction (cycle-safe); deleted blocks and their edges are hidden',
  })
  @ApiResponse({ status: 200, type: RelatedGraphDto })
  @ApiProblems(400, 403, 404, 503)
  related(
    @Param('id', UuidPipe) id: string,
    @Query() query: RelatedQueryDto,
  ): Promise<RelatedGraphDto> {
    return this.relations.related(id, query.depth, query.type);
  }
}
