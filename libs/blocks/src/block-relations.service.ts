import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '@app/audit';
import { RequestContext, TenantConcurrency } from '@app/common';
import { setStatementTimeout } from '@app/database';
import { BlocksErrorCode, BlocksException } from './blocks.exception';
import { actorId } from './blocks.service';
import type { RelationType } from './dto/block-type';
import type { RelatedGraphDto, RelationDto } from './dto/relation.dto';
import { queryRows } from './sql';

interface RelationRow {
  id: string;
  source_id: string;
  target_id: string;
  type: string;
  created_at: Date;
}

/** At most this many nodes come back from one traversal. */
export const MAX_RELATED_NODES = 1000;

/** Typed edges between blocks of one tenant, and traversal of the graph they form. */
@Injectable()
export class BlockRelationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly concurrency: TenantConcurrency,
  ) {}

  async create(sourceId: string, targetId: string, type: RelationType): Promise<RelationDto> {
    const tenantId = RequestContext.tenantId();
    const target = targetId.toLowerCase();
    if (sourceId === target) throw new BlocksException(BlocksErrorCode.SELF_RELATION);
    return this.dataSource.transaction(async (manager) => {
      // Both ends must be live blocks of this tenant; FOR SHARE keeps them from being
      // deleted before the edge commits.
      const ends = await queryRows<{ id: string }>(
        manager,
        `SELECT id FROM blocks WHERE id = ANY($1::uuid[]) AND tenant_id = $2 AND deleted_at IS NULL FOR SHARE`,
        [[sourceId, target], tenantId],
      );
      if (!ends.some((r) => r.id === sourceId)) {
        throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
      }
      if (!ends.some((r) => r.id === target)) {
        throw new BlocksException(BlocksErrorCode.TARGET_NOT_FOUND);
      }
      const [row] = await queryRows<RelationRow>(
        manager,
        `INSERT INTO block_relations (id, tenant_id, source_id, target_id, type, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (source_id, target_id, type) DO NOTHING
         RETURNING id, source_id, target_id, type, created_at`,
        [uuidv7(), tenantId, sourceId, target, type, actorId()],
      );
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
    const tenantId = RequestContext.tenantId();
    await this.dataSource.transaction(async (manager) => {
      // Only an edge of this block, both of whose ends are live (hidden edges are not there).
      const [row] = await queryRows<RelationRow>(
        manager,
        `DELETE FROM block_relations r
         WHERE r.id = $1 AND r.tenant_id = $2 AND (r.source_id = $3 OR r.target_id = $3)
           AND EXISTS (SELECT 1 FROM blocks b WHERE b.id = r.source_id AND b.tenant_id = $2 AND b.deleted_at IS NULL)
           AND EXISTS (SELECT 1 FROM blocks b WHERE b.id = r.target_id AND b.tenant_id = $2 AND b.deleted_at IS NULL)
         RETURNING r.id, r.source_id, r.target_id, r.type, r.created_at`,
        [relationId, tenantId, blockId],
      );
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
   * Every live block within `depth` hops of a live block, following edges both ways. The
   * recursive CTE uses UNION over (id, depth), so each node enters once per depth and the
   * depth bound ends the walk: a cycle can never make it loop. Deleted blocks and their edges
   * are skipped. A deep walk is heavy: it runs within the tenant's cap for traversals, in a
   * read-only transaction whose statements are capped by the class's statement timeout.
   */
  related(blockId: string, depth = 1, type?: RelationType): Promise<RelatedGraphDto> {
    const tenantId = RequestContext.tenantId();
    return this.concurrency.run('related', tenantId, () =>
      this.dataSource.transaction(async (manager) => {
        await setStatementTimeout(manager, this.concurrency.statementTimeoutMs('related'));
        return this.walk(manager, tenantId, blockId, depth, type);
      }),
    );
  }

  private async walk(
    manager: EntityManager,
    tenantId: string,
    blockId: string,
    depth: number,
    type?: RelationType,
  ): Promise<RelatedGraphDto> {
    const nodes = await queryRows<{ id: string; title: string; type: string; depth: number }>(
      manager,
      `WITH RECURSIVE walk(id, depth) AS (
         SELECT b.id, 0 FROM blocks b WHERE b.id = $1 AND b.tenant_id = $2 AND b.deleted_at IS NULL
         UNION
         SELECT n.next_id, w.depth + 1
         FROM walk w
         CROSS JOIN LATERAL (
           SELECT r.target_id AS next_id FROM block_relations r
           WHERE r.tenant_id = $2 AND r.source_id = w.id AND ($4::text IS NULL OR r.type = $4)
           UNION ALL
           SELECT r.source_id FROM block_relations r
           WHERE r.tenant_id = $2 AND r.target_id = w.id AND ($4::text IS NULL OR r.type = $4)
         ) n
         JOIN blocks nb ON nb.id = n.next_id AND nb.tenant_id = $2 AND nb.deleted_at IS NULL
         WHERE w.depth < $3
       )
       SELECT b.id, b.title, b.type, m.depth
       FROM (SELECT id, min(depth) AS depth FROM walk GROUP BY id) m
       JOIN blocks b ON b.id = m.id AND b.tenant_id = $2
       ORDER BY m.depth, b.id
       LIMIT $5`,
      [blockId, tenantId, depth, type ?? null, MAX_RELATED_NODES],
    );
    if (!nodes.length) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
    const ids = nodes.map((n) => n.id);
    const edges = await queryRows<RelationRow>(
      manager,
      `SELECT id, source_id, target_id, type, created_at FROM block_relations
       WHERE tenant_id = $1 AND source_id = ANY($2::uuid[]) AND target_id = ANY($2::uuid[])
         AND ($3::text IS NULL OR type = $3)
       ORDER BY id`,
      [tenantId, ids, type ?? null],
    );
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
