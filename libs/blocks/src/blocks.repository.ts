import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { entryCte } from '@app/audit';
import { leanQuery, pgPool } from '@app/database';
import { BLOCK_COLUMNS, type BlockRow } from './block-row';
import { runIn, statement, tenant } from './statements';

/** A block's client-set columns, every one given (defaults already filled in). */
export interface BlockColumns {
  title: string;
  content: string;
  type: string;
  tags: string[];
  metadata: Record<string, unknown>;
}

/** A live block's text, as the classifier trains on it. */
export interface TrainingRow {
  id: string;
  text: string;
  type: string;
  tags: string[];
}

// The hot read: primary key plus tenant, no entity layer.
const BY_ID = statement(
  'blocks_get_by_id',
  `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
);
// Deleted ones too, flagged: documents keep rendering references to them.
const MANY = statement(
  'blocks_many',
  `SELECT ${BLOCK_COLUMNS}, deleted_at IS NOT NULL AS deleted FROM blocks
   WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
);
const IS_LIVE = statement(
  'blocks_is_live',
  `SELECT EXISTS (SELECT 1 FROM blocks WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL) AS "live"`,
);
const IS_OWNED = statement(
  'blocks_is_owned',
  `SELECT EXISTS (SELECT 1 FROM blocks WHERE id = $1 AND tenant_id = $2) AS "owned"`,
);
// Row locks: every change of one block (update, delete, restore, import) runs after the other.
const LOCK_LIVE = statement(
  'blocks_lock_live',
  `SELECT ${BLOCK_COLUMNS}, false AS deleted FROM blocks
   WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL FOR UPDATE`,
);
const LOCK_ANY = statement(
  'blocks_lock_any',
  `SELECT ${BLOCK_COLUMNS}, deleted_at IS NOT NULL AS deleted FROM blocks
   WHERE id = $1 AND tenant_id = $2 FOR UPDATE`,
);
// FOR SHARE: the ends of a new relation cannot be deleted before it commits.
const SHARE_LIVE = statement(
  'blocks_share_live',
  `SELECT id FROM blocks WHERE id = ANY($1::uuid[]) AND tenant_id = $2 AND deleted_at IS NULL
   FOR SHARE`,
);
const INSERT = statement(
  'blocks_insert',
  `INSERT INTO blocks (id, tenant_id, title, content, type, tags, metadata, created_by, updated_by)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${BLOCK_COLUMNS}`,
);
// The block and its audit entry ($9) in one statement: they commit together without the
// BEGIN/COMMIT round trips (four became one; the bench's audited create was bound by them).
const INSERT_AUDITED = statement('blocks_create_audited', `WITH ${entryCte(9)} ${INSERT.text}`);
// Also undeletes: an update of a deleted block (import) brings it back.
const UPDATE = statement(
  'blocks_update',
  `UPDATE blocks SET title = $3, content = $4, type = $5, tags = $6, metadata = $7,
     deleted_at = NULL, version = version + 1, updated_at = now(), updated_by = $8
   WHERE id = $1 AND tenant_id = $2 RETURNING ${BLOCK_COLUMNS}`,
);
const SOFT_DELETE = statement(
  'blocks_soft_delete',
  `UPDATE blocks SET deleted_at = now(), version = version + 1, updated_at = now(), updated_by = $3
   WHERE id = $1 AND tenant_id = $2 RETURNING ${BLOCK_COLUMNS}`,
);
const UNDELETE = statement(
  'blocks_undelete',
  `UPDATE blocks SET deleted_at = NULL, version = version + 1, updated_at = now(), updated_by = $3
   WHERE id = $1 AND tenant_id = $2 RETURNING ${BLOCK_COLUMNS}`,
);
// Newest first through the tenant's index on (tenant_id, updated_at); text cut in SQL.
const TRAINING = statement(
  'blocks_training',
  `SELECT id, left(title || E'\\n' || content, $2) AS text, type, tags
   FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL
   ORDER BY updated_at DESC, id DESC LIMIT $3`,
);
/** A block that includes another: its current content, to read the include pins. */
export interface IncludingRow {
  id: string;
  title: string;
  content: string;
}

const COUNT_LIVE = statement(
  'blocks_count_live',
  `SELECT count(*)::int AS n FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL`,
);
// Instance-wide by design: an operator gauge over all tenants, never served to a tenant.
const COUNT_ALL_LIVE = statement(
  'blocks_count_all_live',
  `SELECT count(*)::int AS n FROM blocks WHERE deleted_at IS NULL`,
);

/**
 * Live blocks whose content has an include of any of the given blocks (where-used through
 * includes). The LIKE patterns are fixed text around a validated UUID.
 */
const INCLUDING = statement(
  'blocks_including',
  `
  SELECT id, title, content FROM blocks
  WHERE tenant_id = $1 AND deleted_at IS NULL AND type IN ('markdown', 'text')
    AND content LIKE ANY (SELECT '%include_block "' || b || '"%' FROM unnest($2::text[]) AS b)
  ORDER BY id LIMIT 1000`,
);

/**
 * Every query of the blocks table but list and search, always in the caller's tenant (from the
 * request context). Statements are prepared once per connection and run in the given
 * transaction, or on the pool without one.
 */
@Injectable()
export class BlocksRepository {
  private readonly pool: Pool;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.pool = pgPool(dataSource);
  }

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Straight on the pool: the hot path skips even the transaction check. */
  async findById(id: string): Promise<BlockRow | null> {
    const [row] = await leanQuery<BlockRow>(this.pool, { ...BY_ID, values: [id, tenant()] });
    return row ?? null;
  }

  findMany(ids: string[]): Promise<Array<BlockRow & { deleted: boolean }>> {
    return runIn(this.dataSource, undefined, MANY, [tenant(), ids]);
  }

  async isLive(id: string, tx?: EntityManager): Promise<boolean> {
    const [row] = await runIn<{ live: boolean }>(this.dataSource, tx, IS_LIVE, [id, tenant()]);
    return row.live;
  }

  /** Whether the tenant holds this id, deleted or not. */
  async isOwned(tx: EntityManager, id: string): Promise<boolean> {
    const [row] = await runIn<{ owned: boolean }>(this.dataSource, tx, IS_OWNED, [id, tenant()]);
    return row.owned;
  }

  /** Locks the row for the rest of the transaction; null when the tenant has no such block. */
  async lock(
    tx: EntityManager,
    id: string,
    includeDeleted: boolean,
  ): Promise<{ row: BlockRow; deleted: boolean } | null> {
    const [found] = await runIn<BlockRow & { deleted: boolean }>(
      this.dataSource,
      tx,
      includeDeleted ? LOCK_ANY : LOCK_LIVE,
      [id, tenant()],
    );
    if (!found) return null;
    const { deleted, ...row } = found;
    return { row, deleted };
  }

  /** The ids among `ids` that are live blocks of the tenant, share-locked. */
  async shareLive(tx: EntityManager, ids: string[]): Promise<string[]> {
    const rows = await runIn<{ id: string }>(this.dataSource, tx, SHARE_LIVE, [ids, tenant()]);
    return rows.map((row) => row.id);
  }

  async insert(
    tx: EntityManager,
    id: string,
    columns: BlockColumns,
    actor: string | null,
  ): Promise<BlockRow> {
    const [row] = await runIn<BlockRow>(this.dataSource, tx, INSERT, rowValues(id, columns, actor));
    return row;
  }

  /** Inserts the block together with its prepared audit entry, outside any transaction. */
  async insertWithAudit(
    id: string,
    columns: BlockColumns,
    actor: string | null,
    entryJson: string,
  ): Promise<BlockRow> {
    const [row] = await runIn<BlockRow>(this.dataSource, undefined, INSERT_AUDITED, [
      ...rowValues(id, columns, actor),
      entryJson,
    ]);
    return row;
  }

  /** Sets every client column of a locked block, live again, as its next version. */
  async update(
    tx: EntityManager,
    id: string,
    columns: BlockColumns,
    actor: string | null,
  ): Promise<BlockRow> {
    const [row] = await runIn<BlockRow>(this.dataSource, tx, UPDATE, rowValues(id, columns, actor));
    return row;
  }

  async softDelete(tx: EntityManager, id: string, actor: string | null): Promise<BlockRow> {
    const [row] = await runIn<BlockRow>(this.dataSource, tx, SOFT_DELETE, [id, tenant(), actor]);
    return row;
  }

  async undelete(tx: EntityManager, id: string, actor: string | null): Promise<BlockRow> {
    const [row] = await runIn<BlockRow>(this.dataSource, tx, UNDELETE, [id, tenant(), actor]);
    return row;
  }

  /** The newest `limit` live blocks, title and content joined and cut at `maxChars`. */
  trainingRows(maxChars: number, limit: number): Promise<TrainingRow[]> {
    return runIn<TrainingRow>(this.dataSource, undefined, TRAINING, [tenant(), maxChars, limit]);
  }

  /** At most 1000 live markdown/text blocks whose content includes any of `ids`. */
  including(ids: string[]): Promise<IncludingRow[]> {
    return runIn<IncludingRow>(this.dataSource, undefined, INCLUDING, [tenant(), ids]);
  }

  async countLive(): Promise<number> {
    const [row] = await runIn<{ n: number }>(this.dataSource, undefined, COUNT_LIVE, [tenant()]);
    return row?.n ?? 0;
  }

  /** Live blocks of every tenant, for the blocks_total gauge (no request context). */
  async countAllLive(): Promise<number> {
    const [row] = await runIn<{ n: number }>(this.dataSource, undefined, COUNT_ALL_LIVE, []);
    return row?.n ?? 0;
  }
}

/** $1 to $8 of INSERT and UPDATE. */
function rowValues(id: string, columns: BlockColumns, actor: string | null): unknown[] {
  return [
    id,
    tenant(),
    columns.title,
    columns.content,
    columns.type,
    columns.tags,
    JSON.stringify(columns.metadata),
    actor,
  ];
}
