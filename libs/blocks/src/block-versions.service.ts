import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  CommonErrorCode,
  CommonException,
  type Page,
  RequestContext,
  decodeCursor,
  encodeCursor,
} from '@app/common';
import { AppConfig } from '@app/config';
import { WorkerPool, defineWorkerTask } from '@app/workers';
import { canonicalJson } from './block-row';
import type { ContentDiffInput } from './content-diff';
import { BlocksErrorCode, BlocksException } from './blocks.exception';
import { BlocksService } from './blocks.service';
import type { BlockDto } from './dto/block.dto';
import type { BlockType } from './dto/block-type';
import type {
  BlockVersionDto,
  BlockVersionSummaryDto,
  VersionChangesDto,
  VersionComparisonDto,
} from './dto/block-version.dto';
import { queryRows } from './sql';

interface VersionRow {
  block_id: string;
  version: number;
  title: string;
  content: string;
  type: string;
  tags: string[];
  metadata: Record<string, unknown>;
  deleted: boolean;
  created_at: Date;
  created_by: string | null;
  current: boolean;
  content_length?: number;
}

/** Every version of a block, the live row being the newest (`current: true`). */
const VERSIONS_SQL = (columns: (alias: string) => string): string => `
  SELECT * FROM (
    SELECT b.id AS block_id, b.version, ${columns('b')}, b.deleted_at IS NOT NULL AS deleted,
           b.updated_at AS created_at, b.updated_by AS created_by, true AS current
    FROM blocks b WHERE b.id = $1 AND b.tenant_id = $2
    UNION ALL
    SELECT v.block_id, v.version, ${columns('v')}, v.deleted_at IS NOT NULL,
           v.created_at, v.created_by, false
    FROM block_versions v WHERE v.block_id = $1 AND v.tenant_id = $2
  ) all_versions`;

const FULL = (t: string) => `${t}.title, ${t}.content, ${t}.type, ${t}.tags, ${t}.metadata`;
const SUMMARY = (t: string) =>
  `${t}.title, ${t}.type, ${t}.tags, ${t}.metadata, char_length(${t}.content) AS content_length`;

/** The content diff runs on a worker thread: two 1 MiB contents take seconds of CPU. */
const DIFF_TASK = defineWorkerTask<ContentDiffInput, string>(
  __dirname,
  'content-diff.worker',
  'diffContents',
);

/** Version history of a block: list, get, compare, restore. */
@Injectable()
export class BlockVersionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly blocks: BlocksService,
    private readonly workers: WorkerPool,
    private readonly config: AppConfig,
  ) {}

  async list(blockId: string, limit = 20, cursor?: string): Promise<Page<BlockVersionSummaryDto>> {
    await this.assertLive(this.dataSource.manager, blockId);
    const before = cursor ? Number(decodeCursor(cursor, ['v']).v) : null;
    if (before !== null && !Number.isInteger(before)) throw invalidCursor();
    const rows = await queryRows<VersionRow>(
      this.dataSource.manager,
      `${VERSIONS_SQL(SUMMARY)} WHERE ($3::int IS NULL OR version < $3) ORDER BY version DESC LIMIT $4`,
      [blockId, RequestContext.tenantId(), before, limit + 1],
    );
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map((row) => toSummary(row));
    return {
      items,
      nextCursor: more ? encodeCursor({ v: items[items.length - 1].version }) : null,
    };
  }

  async get(blockId: string, version: number): Promise<BlockVersionDto> {
    return toVersionDto(await this.load(this.dataSource.manager, blockId, version));
  }

  async compare(blockId: string, from: number, to: number): Promise<VersionComparisonDto> {
    const [a, b] = await Promise.all([
      this.load(this.dataSource.manager, blockId, from),
      this.load(this.dataSource.manager, blockId, to),
    ]);
    const changes: VersionChangesDto = { content: await this.diff(a, b) };
    if (a.title !== b.title) changes.title = { from: a.title, to: b.title };
    if (a.type !== b.type) changes.type = { from: a.type, to: b.type };
    const added = b.tags.filter((tag) => !a.tags.includes(tag));
    const removed = a.tags.filter((tag) => !b.tags.includes(tag));
    if (added.length || removed.length) changes.tags = { added, removed };
    if (canonicalJson(a.metadata) !== canonicalJson(b.metadata)) {
      changes.metadata = { from: a.metadata, to: b.metadata };
    }
    return { from, to, changes };
  }

  /** The content diff, off the event loop, for contents within BLOCKS_DIFF_MAX_BYTES. */
  private async diff(a: VersionRow, b: VersionRow): Promise<string> {
    if (a.content === b.content) return '';
    const max = this.config.blocks.diffMaxBytes;
    if (Buffer.byteLength(a.content) > max || Buffer.byteLength(b.content) > max) {
      throw new BlocksException(
        BlocksErrorCode.DIFF_TOO_LARGE,
        `A compared version's content is larger than ${max} bytes (BLOCKS_DIFF_MAX_BYTES); read the versions themselves instead`,
      );
    }
    return this.workers.run(DIFF_TASK, {
      from: { version: a.version, content: a.content },
      to: { version: b.version, content: b.content },
    });
  }

  /** Makes a new version whose title, content, type, tags and metadata equal version n. */
  async restore(blockId: string, version: number, ifMatch?: string): Promise<BlockDto> {
    return this.dataSource.transaction(async (manager) => {
      const old = await this.load(manager, blockId, version);
      return this.blocks.updateIn(
        manager,
        blockId,
        {
          title: old.title,
          content: old.content,
          type: old.type as BlockType,
          tags: old.tags,
          metadata: old.metadata,
        },
        { ifMatch, force: true, action: 'block.update' },
      );
    });
  }

  /** One version of a live block of the tenant; 404 for anything else. */
  private async load(
    manager: EntityManager,
    blockId: string,
    version: number,
  ): Promise<VersionRow> {
    await this.assertLive(manager, blockId);
    const [row] = await queryRows<VersionRow>(manager, `${VERSIONS_SQL(FULL)} WHERE version = $3`, [
      blockId,
      RequestContext.tenantId(),
      version,
    ]);
    if (!row) throw new BlocksException(BlocksErrorCode.VERSION_NOT_FOUND);
    return row;
  }

  /** A deleted block's history is hidden like the block itself. */
  private async assertLive(manager: EntityManager, blockId: string): Promise<void> {
    const rows = await queryRows(
      manager,
      `SELECT 1 FROM blocks WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
      [blockId, RequestContext.tenantId()],
    );
    if (!rows.length) throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
  }
}

function invalidCursor(): CommonException {
  return new CommonException(CommonErrorCode.INVALID_CURSOR);
}

function toSummary(row: VersionRow): BlockVersionSummaryDto {
  return {
    blockId: row.block_id,
    version: row.version,
    title: row.title,
    type: row.type as BlockType,
    tags: row.tags,
    metadata: row.metadata,
    contentLength: row.content_length ?? 0,
    deleted: row.deleted,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    current: row.current,
  };
}

function toVersionDto(row: VersionRow): BlockVersionDto {
  return {
    blockId: row.block_id,
    version: row.version,
    title: row.title,
    content: row.content,
    type: row.type as BlockType,
    tags: row.tags,
    metadata: row.metadata,
    deleted: row.deleted,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    current: row.current,
  };
}
