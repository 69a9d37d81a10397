import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '@app/database';
import { statement, tenant } from './statements';

export interface RelationRow {
  id: string;
  source_id: string;
  target_id: string;
  type: string;
  created_at: Date;
}

export interface RelatedNodeRow {
  id: string;
  title: string;
  type: string;
  depth: number;
}

export interface NewRelation {
  id: string;
  sourceId: string;
  targetId: string;
  type: string;
  createdBy: string | null;
}

const INSERT = statement(
  'block_relations_insert',
  `INSERT INTO block_relations (id, tenant_id, source_id, target_id, type, created_by)
   VALUES ($1, $2, $3, $4, $5, $6)
   ON CONFLICT (source_id, target_id, type) DO NOTHING
   RETURNING id, source_id, target_id, type, created_at`,
);
// Only an edge of this block both of whose ends are live: hidden edges are not there.
const DELETE_VISIBLE = statement(
  'block_relations_delete',
  `DELETE FROM block_relations r
   WHERE r.id = $1 AND r.tenant_id = $2 AND (r.source_id = $3 OR r.target_id = $3)
     AND EXISTS (SELECT 1 FROM blocks b WHERE b.id = r.source_id AND b.tenant_id = $2 AND b.deleted_at IS NULL)
     AND EXISTS (SELECT 1 FROM blocks b WHERE b.id = r.target_id AND b.tenant_id = $2 AND b.deleted_at IS NULL)
   RETURNING r.id, r.source_id, r.target_id, r.type, r.created_at`,
);
// UNION over (id, depth): each node enters once per depth and the depth bound ends the walk,
// so a cycle can never make it loop. Deleted blocks and their edges are skipped.
const WALK = statement(
  'block_relations_walk',
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
);
const EDGES_AMONG = statement(
  'block_relations_among',
  `SELECT id, source_id, target_id, type, created_at FROM block_relations
   WHERE tenant_id = $1 AND source_id = ANY($2::uuid[]) AND target_id = ANY($2::uuid[])
     AND ($3::text IS NULL OR type = $3)
   ORDER BY id`,
);

/** Every query of block_relations, in the caller's tenant (from the request context). */
@Injectable()
export class BlockRelationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The new edge, or null when the same (source, target, type) exists. */
  async insert(tx: EntityManager, relation: NewRelation): Promise<RelationRow | null> {
    const [row] = await preparedQuery<RelationRow>(tx, INSERT, [
      relation.id,
      tenant(),
      relation.sourceId,
      relation.targetId,
      relation.type,
      relation.createdBy,
    ]);
    return row ?? null;
  }

  /** The removed edge, or null when this block has no such visible edge. */
  async deleteVisible(
    tx: EntityManager,
    blockId: string,
    relationId: string,
  ): Promise<RelationRow | null> {
    const [row] = await preparedQuery<RelationRow>(tx, DELETE_VISIBLE, [
      relationId,
      tenant(),
      blockId,
    ]);
    return row ?? null;
  }

  /** Live blocks within `depth` hops of a live block, nearest first, at most `limit`. */
  walk(
    tx: EntityManager,
    blockId: string,
    depth: number,
    type: string | null,
    limit: number,
  ): Promise<RelatedNodeRow[]> {
    return preparedQuery<RelatedNodeRow>(tx, WALK, [blockId, tenant(), depth, type, limit]);
  }

  /** The edges whose both ends are among `ids`. */
  edgesAmong(tx: EntityManager, ids: string[], type: string | null): Promise<RelationRow[]> {
    return preparedQuery<RelationRow>(tx, EDGES_AMONG, [tenant(), ids, type]);
  }
}
