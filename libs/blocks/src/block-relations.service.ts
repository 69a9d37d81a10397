import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '@app/audit';
import { RequestContext, TenantConcurrency } from '@app/common';
import { setStatementTimeout } from '@app/database';
import { BlockRelationsRepository, type RelationRow } from './block-relations.repository';
import { BlocksErrorCode, BlocksException } from './blocks.exception';
import { BlocksRepository } from './blocks.repository';
import { actorId } from './blocks.service';
import type { RelationType } from './dto/block-type';
import type { RelatedGraphDto, RelationDto } from './dto/relation.dto';

/** At most this many nodes come back from one traversal. */
export const MAX_RELATED_NODES = 1000;

/** Typed edges between blocks of one tenant, and traversal of the graph they form. */
@Injectable()
export class BlockRelationsService {
  constructor(
    private readonly repository: BlockRelationsRepository,
    private readonly blocks: BlocksRepository,
    private readonly audit: AuditService,
    private readonly concurrency: TenantConcurrency,
  ) {}

  async create(sourceId: string, targetId: string, type: RelationType): Promise<RelationDto> {
    const target = targetId.toLowerCase();
    if (sourceId === target) throw new BlocksException(BlocksErrorCode.SELF_RELATION);
    return this.repository.transaction(async (manager) => {
      // Both ends must be live blocks of this tenant, kept so until the edge commits.
      const ends = await this.blocks.shareLive(manager, [sourceId, target]);
      if (!ends.includes(sourceId)) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
      if (!ends.includes(target)) throw new BlocksException(BlocksErrorCode.TARGET_NOT_FOUND);
      const row = await this.repository.insert(manager, {
        id: uuidv7(),
        sourceId,
        targetId: target,
        type,
        createdBy: actorId(),
      });
      if (!row) throw new BlocksException(BlocksErrorCode.RELATION_EXISTS);
      const dto = toRelationDto(row);
      await this.audit.record(manager, {
        action: 'block.relation_create',
        resourceType: 'block',
        resourceId: sourceId,
        changes: { before: null, after: dto },
      });
      return dto;
    });
  }

  async remove(blockId: string, relationId: string): Promise<void> {
    await this.repository.transaction(async (manager) => {
      const row = await this.repository.deleteVisible(manager, blockId, relationId);
      if (!row) throw new BlocksException(BlocksErrorCode.RELATION_NOT_FOUND);
      await this.audit.record(manager, {
        action: 'block.relation_delete',
        resourceType: 'block',
        resourceId: blockId,
        changes: { before: toRelationDto(row), after: null },
      });
    });
  }

  /**
   * Every live block within `depth` hops of a live block, following edges both ways, cycle-safe;
   * deleted blocks and their edges are skipped. A deep walk is heavy: it runs within the tenant's
   * cap for traversals, in one snapshot whose statements are capped by the class's statement
   * timeout, and reads at most MAX_RELATED_NODES blocks however large the graph.
   */
  related(blockId: string, depth = 1, type?: RelationType): Promise<RelatedGraphDto> {
    return this.concurrency.run('related', RequestContext.tenantId(), () =>
      this.repository.snapshot(async (manager) => {
        await setStatementTimeout(manager, this.concurrency.statementTimeoutMs('related'));
        return this.walk(manager, blockId, depth, type ?? null);
      }),
    );
  }

  private async walk(
    manager: EntityManager,
    blockId: string,
    depth: number,
    type: RelationType | null,
  ): Promise<RelatedGraphDto> {
    const nodes = await this.repository.walk(manager, blockId, depth, type, MAX_RELATED_NODES);
    if (!nodes.length) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
    const ids = nodes.map((n) => n.id);
    const edges = await this.repository.edgesAmong(manager, ids, type);
    return {
      nodes: nodes.map((n) => ({ id: n.id, title: n.title, type: n.type, depth: n.depth })),
      edges: edges.map(toRelationDto),
    };
  }
}

function toRelationDto(row: RelationRow): RelationDto {
  return {
    id: row.id,
    sourceId: row.source_id,
    targetId: row.target_id,
    type: row.type as RelationType,
    createdAt: row.created_at.toISOString(),
  };
}
