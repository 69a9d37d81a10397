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

type NodeRow = Omit<RelatedNodeRow, 'depth'>;

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
// The walk goes level by level (breadth first): a block is expanded once, at its nearest depth,
// and never again, so a cycle or many paths to one block cost nothing more; a recursive CTE can
// only dedupe (id, depth) and re-expands a block at every depth it is reached at.
const WALK_START = statement(
  'block_relations_walk_start',
  `SELECT id, title, type FROM blocks WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
);
// The live blocks one edge (either way) from the frontier $2 not yet visited ($3), in id order,
// at most $5: the walk's remaining node budget, so a level past the cap is never read in full.
const WALK_LEVEL = statement(
  'block_relations_walk_level',
  `SELECT b.id, b.title, b.type FROM blocks b
   WHERE b.tenant_id = $1 AND b.deleted_at IS NULL AND b.id <> ALL($3::uuid[])
     AND b.id IN (
       SELECT r.target_id FROM block_relations r
       WHERE r.tenant_id = $1 AND r.source_id = ANY($2::uuid[]) AND ($4::text IS NULL OR r.type = $4)
       UNION
       SELECT r.source_id FROM block_relations r
       WHERE r.tenant_id = $1 AND r.target_id = ANY($2::uuid[]) AND ($4::text IS NULL OR r.type = $4)
     )
   ORDER BY b.id
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

  /** A transaction whose statements all read one snapshot (a walk of several levels). */
  snapshot<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', work);
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

  /**
   * Live blocks within `depth` hops of a live block, nearest first (then by id), at most `limit`;
   * none when the start block is not a live block of the tenant. Run it in `snapshot` so every
   * level sees the same graph.
   */
  async walk(
    tx: EntityManager,
    blockId: string,
    depth: number,
    type: string | null,
    limit: number,
  ): Promise<RelatedNodeRow[]> {
    const start = await preparedQuery<NodeRow>(tx, WALK_START, [blockId, tenant()]);
    const found: RelatedNodeRow[] = start.map((row) => ({ ...row, depth: 0 }));
    let frontier = found.map((n) => n.id);
    for (let level = 1; level <= depth && frontier.length && found.length < limit; level++) {
      const visited = found.map((n) => n.id);
      const next = await preparedQuery<NodeRow>(tx, WALK_LEVEL, [
        tenant(),
        frontier,
        visited,
        type,
        limit - found.length,
      ]);
      for (const row of next) found.push({ ...row, depth: level });
      frontier = next.map((n) => n.id);
    }
    return found;
  }

  /** The edges whose both ends are among `ids`. */
  edgesAmong(tx: EntityManager, ids: string[], type: string | null): Promise<RelationRow[]> {
    return preparedQuery<RelationRow>(tx, EDGES_AMONG, [tenant(), ids, type]);
  }
}
