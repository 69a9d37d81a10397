import {
  Body,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuditAction } from '@app/audit';
import { ApiProblems, PageOf, UuidPipe, type Page } from '@app/common';
import { ReadAccess, WriteAccess } from './block-access.decorators';
import { BlocksApi, ETAG_HEADER, ID, IF_MATCH } from './block-api.decorators';
import { BlockSearchService } from './block-search.service';
import { BlocksService } from './blocks.service';
import { BlockDto } from './dto/block.dto';
import { CreateBlockDto } from './dto/create-block.dto';
import { ListBlocksQueryDto } from './dto/list-blocks-query.dto';
import { UpdateBlockDto } from './dto/update-block.dto';
import { ifNoneMatchHits, setEtag } from './etag';

/** `/api/blocks` and `/api/blocks/{id}`: create, list, read, change, delete and restore. */
@BlocksApi()
export class BlocksCrudController {
  constructor(
    private readonly blocks: BlocksService,
    private readonly search: BlockSearchService,
  ) {}

  @Post()
  @WriteAccess()
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
    setEtag(reply, block.version);
    void reply.header('location', `/api/blocks/${block.id}`);
    return block;
  }

  @Get()
  @ReadAccess()
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
  @ReadAccess()
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
    const etag = setEtag(reply, block.version);
    // Tenant data: never in shared caches, and revalidated (cheaply, with the ETag) each time.
    void reply.header('cache-control', 'private, no-cache');
    if (ifNoneMatchHits(ifNoneMatch, etag)) {
      void reply.status(304);
      return undefined;
    }
    return block;
  }

  @Patch(':id')
  @WriteAccess()
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
    setEtag(reply, block.version);
    return block;
  }

  @Delete(':id')
  @HttpCode(204)
  @WriteAccess()
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
  @WriteAccess()
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
    setEtag(reply, block.version);
    return block;
  }
}
