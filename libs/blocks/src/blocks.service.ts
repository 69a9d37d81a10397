import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type AuditActionName, AuditService } from '@app/audit';
import { RequestContext } from '@app/common';
import { type BlockRow, auditSnapshot, canonicalJson, toBlockDto } from './block-row';
import { BlockVersionsRepository } from './block-versions.repository';
import { BlocksErrorCode, BlocksException } from './blocks.exception';
import { type BlockColumns, BlocksRepository, type IncludingRow } from './blocks.repository';
import type { BlockDto } from './dto/block.dto';
import { BlockType } from './dto/block-type';
import type { CreateBlockDto } from './dto/create-block.dto';
import type { UpdateBlockDto } from './dto/update-block.dto';
import { etagOf, ifMatchHolds } from './etag';

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

/**
 * Blocks: create, read, update, soft delete and restore, always inside the caller's tenant.
 * Every change writes the block's previous full state to `block_versions` and its audit entry
 * in the same transaction. The `*In(manager, ...)` methods are the building blocks bulk and
 * import reuse inside their own transactions.
 */
@Injectable()
export class BlocksService {
  constructor(
    private readonly repository: BlocksRepository,
    private readonly versions: BlockVersionsRepository,
    private readonly audit: AuditService,
  ) {}

  /** The hot path: one primary-key SELECT, no transaction. */
  async get(id: string): Promise<BlockDto> {
    const row = await this.repository.findById(id);
    if (!row) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
    return toBlockDto(row);
  }

  /**
   * Blocks of the tenant by id, deleted ones included (flagged), in one query: documents
   * resolve their references with it. Ids of other tenants simply do not come back.
   */
  async findMany(ids: string[]): Promise<Array<BlockDto & { deleted: boolean }>> {
    if (!ids.length) return [];
    const rows = await this.repository.findMany(ids);
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
    const rows = await this.versions.findPinned(refs);
    return rows.map((row) => ({ ...row, type: row.type as BlockType }));
  }

  /**
   * The tenant's newest `limit` live blocks as classifier input: title and content joined,
   * cut at `maxChars` by the database.
   */
  trainingExamples(
    maxChars: number,
    limit: number,
  ): Promise<Array<{ id: string; text: string; type: string; tags: string[] }>> {
    return this.repository.trainingRows(maxChars, limit);
  }

  /** How many live blocks the tenant has. */
  /** Where-used through includes, in the caller's tenant (at most 1000 rows). */
  including(ids: string[]): Promise<IncludingRow[]> {
    return this.repository.including(ids);
  }

  countLive(): Promise<number> {
    return this.repository.countLive();
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
    const row = await this.repository.insertWithAudit(id, fields, actorId(), entry.json);
    this.audit.entryCommitted(entry);
    return toBlockDto(row);
  }

  async update(id: string, dto: UpdateBlockDto, ifMatch?: string): Promise<BlockDto> {
    return this.repository.transaction((tx) => this.updateIn(tx, id, dto, { ifMatch }));
  }

  async remove(id: string, ifMatch?: string): Promise<void> {
    await this.repository.transaction((tx) => this.removeIn(tx, id, { ifMatch }));
  }

  async restore(id: string, ifMatch?: string): Promise<BlockDto> {
    return this.repository.transaction(async (manager) => {
      const current = await this.repository.lock(manager, id, true);
      if (!current) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
      if (!current.deleted) throw new BlocksException(BlocksErrorCode.NOT_DELETED);
      this.checkIfMatch(current.row, ifMatch);
      await this.versions.snapshot(manager, id);
      const row = await this.repository.undelete(manager, id, actorId());
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
    const row = await this.repository.insert(manager, id, withDefaults(fields), actorId());
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
    const current = await this.repository.lock(manager, id, options.includeDeleted ?? false);
    if (!current) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
    const before = current.row;
    this.checkIfMatch(before, options.ifMatch);
    const next: BlockColumns = {
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

    await this.versions.snapshot(manager, id);
    const row = await this.repository.update(manager, id, next, actorId());
    await this.record(manager, options.action ?? 'block.update', id, before, row);
    return toBlockDto(row);
  }

  /** Soft delete: the block leaves every read, its previous state becomes a version. */
  async removeIn(manager: EntityManager, id: string, options: WriteOptions = {}): Promise<void> {
    const current = await this.repository.lock(manager, id, false);
    if (!current) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
    this.checkIfMatch(current.row, options.ifMatch);
    await this.versions.snapshot(manager, id);
    const row = await this.repository.softDelete(manager, id, actorId());
    await this.record(manager, options.action ?? 'block.delete', id, current.row, {
      ...row,
      deleted: true,
    });
  }

  private checkIfMatch(row: BlockRow, ifMatch: string | undefined): void {
    if (!ifMatchHolds(ifMatch, etagOf(row.version))) {
      throw new BlocksException(BlocksErrorCode.VERSION_CONFLICT);
    }
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
function withDefaults(fields: BlockFields): BlockColumns {
  return {
    title: fields.title,
    content: fields.content ?? '',
    type: fields.type ?? BlockType.TEXT,
    tags: fields.tags ?? [],
    metadata: fields.metadata ?? {},
  };
}

/** The calling user, or null outside a request (seed scripts). */
export function actorId(): string | null {
  return RequestContext.principal()?.userId ?? null;
}
