import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import { ApiProblems, HeavyOperation, UuidPipe } from '@app/common';
import { ReadAccess, WriteAccess } from './block-access.decorators';
import { BlocksApi, ID } from './block-api.decorators';
import { BlockRelationsService } from './block-relations.service';
import {
  CreateRelationDto,
  RelatedGraphDto,
  RelatedQueryDto,
  RelationDto,
} from './dto/relation.dto';

/** `/api/blocks/{id}/relations` and `/related`: typed edges between blocks and the graph. */
@BlocksApi()
export class BlockRelationsController {
  constructor(private readonly relations: BlockRelationsService) {}

  @Post(':id/relations')
  @WriteAccess()
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
  @WriteAccess()
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
  @HeavyOperation('related')
  @ReadAccess()
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
