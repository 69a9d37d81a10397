import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type AuditActionName, AuditService, entryCte } from '@app/audit';
import { RequestContext } from '@app/common';
import { type PreparedStatement, leanQuery, pgPool, preparedQuery } from '@app/database';
import {
  BLOCK_COLUMNS,
  type BlockRow,
  auditSnapshot,
  canonicalJson,
  toBlockDto,
} from './block-row';
import { BlocksErrorCode, BlocksException } from './blocks.exception';
import type { BlockDto } from './dto/block.dto';
import { BlockType } from './dto/block-type';
import type { CreateBlockDto } from './dto/create-block.dto';
import type { UpdateBlockDto } from './dto/update-block.dto';
import { etagOf, ifMatchHolds } from './etag';
import { queryRows } from './sql';

/** The hot write of a create, prepared once per connection (TypeORM would re-plan it per call). */
const INSERT_BLOCK: PreparedStatement = {
  name: 'blocks_insert',
  text: `INSERT INTO blocks (id, tenant_id, title, content, type, tags, metadata, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${BLOCK_COLUMNS}`,
};

/**
 * `POST /api/blocks` in one statement: the block and its audit entry ($9) are inserted together
 * and commit together, with no BEGIN/COMMIT round trips (four became one; the bench's audited
 * create was bound by them).
 */
const CREATE_AUDITED: PreparedStatement = {
  name: 'blocks_create_audited',
  text: `WITH ${entryCte(9)} ${INSERT_BLOCK.text}`,
};

/** The fields of a block a client sets. */
export type BlockFields = Pick<CreateBlockDto, 'title' | 'content' | 'type' | 'tags' | 'metadata'>;

export interface WriteOptions {
  /** The client's `If-Match` header, checked against the block's current ETag. */
  ifMatch?: string;
  /** Make a new version even when nothing differs (restoring a version). */
  force?: boolean;
  /** Audit action to record (default from the operation). */
  action?: AuditActionName;
}

const GET_SQL = `SELECT ${BLOCK_COLUMNS} FROM blocks WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`;

/**
 * Blocks: create, read, update, soft delete and restore, always inside the caller's tenant.
 * Every change writes the block's previous full state to `block_versions` and its audit entry
 * in the same transaction. The `*In(manager, ...)` methods are the building blocks bulk and
 * import reuse inside their own transactions.
 */
@Injectable()
export class BlocksService {
  private readonly pool: Pool;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {
    this.pool = pgPool(dataSource);
  }

  /** The hot path: one prepared primary-key SELECT straight on the pool, no entity layer. */
  async get(id: string): Promise<BlockDto> {
    const rows = await leanQuery<BlockRow>(this.pool, {
      name: 'blocks_get_by_id',
      text: GET_SQL,
      values: [id, RequestContext.tenantId()],
    });
    if (!rows[0]) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
    return toBlockDto(rows[0]);
  }

  /**
   * Blocks of the tenant by id, deleted ones included (flagged), in one query: documents
   * resolve their references with it. Ids of other tenants simply do not come back.
   */
  async findMany(ids: string[]): Promise<Array<BlockDto & { deleted: boolean }>> {
    if (!ids.length) return [];
    const rows = await leanQuery<BlockRow & { deleted: boolean }>(this.pool, {
      text: `SELECT ${BLOCK_COLUMNS}, deleted_at IS NOT NULL AS deleted FROM blocks
             WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      values: [RequestContext.tenantId(), ids],
    });
    return rows.map((row) => ({ ...toBlockDto(row), deleted: row.deleted }));
  }

  /**
   * Given versions of blocks of the tenant, from history or the current row (a pinned
   * reference renders from here, also after the block was deleted). Unknown pairs are absent;
   * `deleted` marks a version that is itself a deleted state.
   */
  async findVersions(
    refs: Array<{ id: string; version: number }>,
  ): Promise<
    Array<{ id: string; version: number; type: BlockType; content: string; deleted: boolean }>
  > {
    if (!refs.length) return [];
    return leanQuery(this.pool, {
      text: `SELECT r.id, r.version,
               CASE WHEN v.block_id IS NULL THEN b.type ELSE v.type END AS type,
               CASE WHEN v.block_id IS NULL THEN b.content ELSE v.content END AS content,
               CASE WHEN v.block_id IS NULL THEN b.deleted_at IS NOT NULL ELSE v.deleted_at IS NOT NULL END AS deleted
             FROM unnest($2::uuid[], $3::int[]) AS r(id, version)
             JOIN blocks b ON b.id = r.id AND b.tenant_id = $1
             LEFT JOIN block_versions v ON v.block_id = r.id AND v.tenant_id = $1 AND v.version = r.version
             WHERE v.block_id IS NOT NULL OR b.version = r.version`,
      values: [RequestContext.tenantId(), refs.map((r) => r.id), refs.map((r) => r.version)],
    });
  }

  async create(dto: CreateBlockDto): Promise<BlockDto> {
    const id = uuidv7();
    const fields = withDefaults(dto);
    // Every column of the new row is known here (version 1, defaults filled in), so its entry
    // goes in with the row instead of after it.
    const entry = this.audit.prepareEntry({
      action: 'block.create',
      resourceType: 'block',
      resourceId: id,
      changes: { before: null, after: auditSnapshot({ ...fields, version: 1 }) },
    });
    const [row] = await preparedQuery<BlockRow>(this.dataSource.manager, CREATE_AUDITED, [
      ...insertValues(id, fields),
      entry.json,
    ]);
    this.audit.entryCommitted(entry);
    return toBlockDto(row);
  }

  async update(id: string, dto: UpdateBlockDto, ifMatch?: string): Promise<BlockDto> {
    return this.dataSource.transaction((manager) => this.updateIn(manager, id, dto, { ifMatch }));
  }

  async remove(id: string, ifMatch?: string): Promise<void> {
    await this.dataSource.transaction((manager) => this.removeIn(manager, id, { ifMatch }));
  }

  async restore(id: string, ifMatch?: string): Promise<BlockDto> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lock(manager, id, true);
      if (!current) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
      if (!current.deleted) throw new BlocksException(BlocksErrorCode.NOT_DELETED);
      this.checkIfMatch(current.row, ifMatch);
      await this.snapshot(manager, id);
      const [row] = await queryRows<BlockRow>(
        manager,
        `UPDATE blocks SET deleted_at = NULL, version = version + 1, updated_at = now(), updated_by = $3
         WHERE id = $1 AND tenant_id = $2 RETURNING ${BLOCK_COLUMNS}`,
        [id, RequestContext.tenantId(), actorId()],
      );
      await this.record(manager, 'block.restore', id, current.row, row);
      return toBlockDto(row);
    });
  }

  /** Inserts a block (with the given id, if any) in the caller's tenant. */
  async createIn(
    manager: EntityManager,
    fields: BlockFields,
    id: string = uuidv7(),
    action: AuditActionName = 'block.create',
  ): Promise<BlockDto> {
    const [row] = await preparedQuery<BlockRow>(
      manager,
      INSERT_BLOCK,
      insertValues(id, withDefaults(fields)),
    );
    await this.record(manager, action, row.id, null, row);
    return toBlockDto(row);
  }

  /**
   * Applies the fields present to a live block. Nothing differing means no new version (and
   * no audit entry), unless `force` is set.
   */
  async updateIn(
    manager: EntityManager,
    id: string,
    fields: Partial<BlockFields>,
    options: WriteOptions & { includeDeleted?: boolean } = {},
  ): Promise<BlockDto> {
    const current = await this.lock(manager, id, options.includeDeleted ?? false);
    if (!current) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
    const before = current.row;
    this.checkIfMatch(before, options.ifMatch);
    const next = {
      title: fields.title ?? before.title,
      content: fields.content ?? before.content,
      type: fields.type ?? before.type,
      tags: fields.tags ?? before.tags,
      metadata: fields.metadata ?? before.metadata,
    };
    const changed =
      next.title !== before.title ||
      next.content !== before.content ||
      next.type !== before.type ||
      canonicalJson(next.tags) !== canonicalJson(before.tags) ||
      canonicalJson(next.metadata) !== canonicalJson(before.metadata) ||
      current.deleted;
    if (!changed && !options.force) return toBlockDto(before);

    await this.snapshot(manager, id);
    const [row] = await queryRows<BlockRow>(
      manager,
      `UPDATE blocks SET title = $3, content = $4, type = $5, tags = $6, metadata = $7,
         deleted_at = NULL, version = version + 1, updated_at = now(), updated_by = $8
       WHERE id = $1 AND tenant_id = $2 RETURNING ${BLOCK_COLUMNS}`,
      [
        id,
        RequestContext.tenantId(),
        next.title,
        next.content,
        next.type,
        next.tags,
        JSON.stringify(next.metadata),
        actorId(),
      ],
    );
    await this.record(manager, options.action ?? 'block.update', id, before, row);
    return toBlockDto(row);
  }

  /** Soft delete: the block leaves every read, its previous state becomes a version. */
  async removeIn(manager: EntityManager, id: string, options: WriteOptions = {}): Promise<void> {
    const current = await this.lock(manager, id, false);
    if (!current) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
    this.checkIfMatch(current.row, options.ifMatch);
    await this.snapshot(manager, id);
    const [row] = await queryRows<BlockRow>(
      manager,
      `UPDATE blocks SET deleted_at = now(), version = version + 1, updated_at = now(), updated_by = $3
       WHERE id = $1 AND tenant_id = $2 RETURNING ${BLOCK_COLUMNS}`,
      [id, RequestContext.tenantId(), actorId()],
    );
    await this.record(manager, options.action ?? 'block.delete', id, current.row, {
      ...row,
      deleted: true,
    });
  }

  /**
   * Locks the block's row for the rest of the transaction. Returns null when the tenant has
   * no such block (or only a deleted one, unless `includeDeleted`).
   */
  async lock(
    manager: EntityManager,
    id: string,
    includeDeleted: boolean,
  ): Promise<{ row: BlockRow; deleted: boolean } | null> {
    const [row] = await queryRows<BlockRow & { deleted: boolean }>(
      manager,
      `SELECT ${BLOCK_COLUMNS}, deleted_at IS NOT NULL AS deleted FROM blocks
       WHERE id = $1 AND tenant_id = $2 ${includeDeleted ? '' : 'AND deleted_at IS NULL'}
       FOR UPDATE`,
      [id, RequestContext.tenantId()],
    );
    if (!row) return null;
    const { deleted, ...block } = row;
    return { row: block, deleted };
  }

  private checkIfMatch(row: BlockRow, ifMatch: string | undefined): void {
    if (!ifMatchHolds(ifMatch, etagOf(row.version))) {
      throw new BlocksException(BlocksErrorCode.VERSION_CONFLICT);
    }
  }

  /** Copies the block's current full state into block_versions (in SQL: no content round trip). */
  private async snapshot(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `INSERT INTO block_versions
         (id, tenant_id, block_id, version, title, content, type, tags, metadata, deleted_at, created_at, created_by)
       SELECT $1, tenant_id, id, version, title, content, type, tags, metadata, deleted_at, updated_at, updated_by
       FROM blocks WHERE id = $2 AND tenant_id = $3`,
      [uuidv7(), id, RequestContext.tenantId()],
    );
  }

  private async record(
    manager: EntityManager,
    action: AuditActionName,
    id: string,
    before: BlockRow | null,
    after: (BlockRow & { deleted?: boolean }) | null,
  ): Promise<void> {
    const afterSnapshot = auditSnapshot(after);
    if (afterSnapshot && after?.deleted) afterSnapshot.deleted = true;
    await this.audit.record(manager, {
      action,
      resourceType: 'block',
      resourceId: id,
      changes: { before: auditSnapshot(before), after: afterSnapshot },
    });
  }
}

/** A new block's client-set columns, with the defaults the table would give. */
function withDefaults(fields: BlockFields): Required<BlockFields> {
  return {
    title: fields.title,
    content: fields.content ?? '',
    type: fields.type ?? BlockType.TEXT,
    tags: fields.tags ?? [],
    metadata: fields.metadata ?? {},
  };
}

/** The parameters of INSERT_BLOCK. */
function insertValues(id: string, fields: Required<BlockFields>): unknown[] {
  return [
    id,
    RequestContext.tenantId(),
    fields.title,
    fields.content,
    fields.type,
    fields.tags,
    JSON.stringify(fields.metadata),
    actorId(),
  ];
}

/** The calling user, or null outside a request (seed scripts). */
export function actorId(): string | null {
  return RequestContext.principal()?.userId ?? null;
}
