import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  CommonErrorCode,
  CommonException,
  type Page,
  decodeCursor,
  encodeCursor,
} from '@app/common';
import { AppConfig } from '@app/config';
import { WorkerPool, defineWorkerTask } from '@app/workers';
import { canonicalJson } from './block-row';
import {
  BlockVersionsRepository,
  type VersionRow,
  type VersionSummaryRow,
} from './block-versions.repository';
import type { ContentDiffInput } from './content-diff';
import { BlocksErrorCode, BlocksException } from './blocks.exception';
import { BlocksRepository } from './blocks.repository';
import { BlocksService } from './blocks.service';
import type { BlockDto } from './dto/block.dto';
import type { BlockType } from './dto/block-type';
import type {
  BlockVersionDto,
  BlockVersionSummaryDto,
  VersionChangesDto,
  VersionComparisonDto,
} from './dto/block-version.dto';

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
    private readonly repository: BlockVersionsRepository,
    private readonly blockRows: BlocksRepository,
    private readonly blocks: BlocksService,
    private readonly workers: WorkerPool,
    private readonly config: AppConfig,
  ) {}

  async list(blockId: string, limit = 20, cursor?: string): Promise<Page<BlockVersionSummaryDto>> {
    await this.assertLive(blockId);
    const before = cursor ? Number(decodeCursor(cursor, ['v']).v) : null;
    if (before !== null && !Number.isInteger(before)) throw invalidCursor();
    const rows = await this.repository.page(blockId, before, limit + 1);
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map((row) => toSummary(row));
    return {
      items,
      nextCursor: more ? encodeCursor({ v: items[items.length - 1].version }) : null,
    };
  }

  async get(blockId: string, version: number): Promise<BlockVersionDto> {
    return toVersionDto(await this.load(blockId, version));
  }

  async compare(blockId: string, from: number, to: number): Promise<VersionComparisonDto> {
    const [a, b] = await Promise.all([this.load(blockId, from), this.load(blockId, to)]);
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
    return this.blockRows.transaction(async (manager) => {
      const old = await this.load(blockId, version, manager);
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
  private async load(blockId: string, version: number, tx?: EntityManager): Promise<VersionRow> {
    await this.assertLive(blockId, tx);
    const row = await this.repository.findOne(blockId, version, tx);
    if (!row) throw new BlocksException(BlocksErrorCode.VERSION_NOT_FOUND);
    return row;
  }

  /** A deleted block's history is hidden like the block itself. */
  private async assertLive(blockId: string, tx?: EntityManager): Promise<void> {
    if (!(await this.blockRows.isLive(blockId, tx))) {
      throw new BlocksException(BlocksErrorCode.BLOCK_NOT_FOUND);
    }
  }
}

function invalidCursor(): CommonException {
  return new CommonException(CommonErrorCode.INVALID_CURSOR);
}

function toSummary(row: VersionSummaryRow): BlockVersionSummaryDto {
  return {
    blockId: row.block_id,
    version: row.version,
    title: row.title,
    type: row.type as BlockType,
    tags: row.tags,
    metadata: row.metadata,
    contentLength: row.content_length,
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
