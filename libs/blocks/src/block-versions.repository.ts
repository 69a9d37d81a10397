import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { runIn, statement, tenant } from './statements';

/** One version of a block, the live row being the newest (`current: true`). */
export interface VersionRow {
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
}

/** A version without its content, only the content's length. */
export type VersionSummaryRow = Omit<VersionRow, 'content'> & { content_length: number };

/** A pinned (block, version) reference resolved from history or the live row. */
export interface PinnedVersionRow {
  id: string;
  version: number;
  type: string;
  content: string;
  deleted: boolean;
}

/** Every version of a block: the live row and its history, as one relation. */
const ALL_VERSIONS = (columns: (alias: string) => string): string => `
  SELECT * FROM (
    SELECT b.id AS block_id, b.version, ${columns('b')}, b.deleted_at IS NOT NULL AS deleted,
           b.updated_at AS created_at, b.updated_by AS created_by, true AS current
    FROM blocks b WHERE b.id = $1 AND b.tenant_id = $2
    UNION ALL
    SELECT v.block_id, v.version, ${columns('v')}, v.deleted_at IS NOT NULL,
           v.created_at, v.created_by, false
    FROM block_versions v WHERE v.block_id = $1 AND v.tenant_id = $2
  ) all_versions`;
const FULL = (t: string): string => `${t}.title, ${t}.content, ${t}.type, ${t}.tags, ${t}.metadata`;
const SUMMARY = (t: string): string =>
  `${t}.title, ${t}.type, ${t}.tags, ${t}.metadata, char_length(${t}.content) AS content_length`;

// Keyset page, newest first; a null $3 is the first page.
const PAGE = statement(
  'block_versions_page',
  `${ALL_VERSIONS(SUMMARY)} WHERE ($3::int IS NULL OR version < $3) ORDER BY version DESC LIMIT $4`,
);
const ONE = statement('block_versions_one', `${ALL_VERSIONS(FULL)} WHERE version = $3`);
// Copied in SQL: the content never travels to the app and back. Run under the block's row lock.
const SNAPSHOT = statement(
  'block_versions_snapshot',
  `INSERT INTO block_versions
     (id, tenant_id, block_id, version, title, content, type, tags, metadata, deleted_at, created_at, created_by)
   SELECT $1, tenant_id, id, version, title, content, type, tags, metadata, deleted_at, updated_at, updated_by
   FROM blocks WHERE id = $2 AND tenant_id = $3`,
);
const PINNED = statement(
  'block_versions_pinned',
  `SELECT r.id, r.version,
     CASE WHEN v.block_id IS NULL THEN b.type ELSE v.type END AS type,
     CASE WHEN v.block_id IS NULL THEN b.content ELSE v.content END AS content,
     CASE WHEN v.block_id IS NULL THEN b.deleted_at IS NOT NULL ELSE v.deleted_at IS NOT NULL END AS deleted
   FROM unnest($2::uuid[], $3::int[]) AS r(id, version)
   JOIN blocks b ON b.id = r.id AND b.tenant_id = $1
   LEFT JOIN block_versions v ON v.block_id = r.id AND v.tenant_id = $1 AND v.version = r.version
   WHERE v.block_id IS NOT NULL OR b.version = r.version`,
);

/** Every query of a block's history, in the caller's tenant (from the request context). */
@Injectable()
export class BlockVersionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Versions older than `before` (all when null), newest first. */
  page(blockId: string, before: number | null, limit: number): Promise<VersionSummaryRow[]> {
    return runIn(this.dataSource, undefined, PAGE, [blockId, tenant(), before, limit]);
  }

  async findOne(blockId: string, version: number, tx?: EntityManager): Promise<VersionRow | null> {
    const [row] = await runIn<VersionRow>(this.dataSource, tx, ONE, [blockId, tenant(), version]);
    return row ?? null;
  }

  /** Keeps the block's current full state as a version, before it changes. */
  async snapshot(tx: EntityManager, blockId: string): Promise<void> {
    await runIn(this.dataSource, tx, SNAPSHOT, [uuidv7(), blockId, tenant()]);
  }

  /** The pairs that exist; `deleted` marks a version that is itself a deleted state. */
  findPinned(refs: Array<{ id: string; version: number }>): Promise<PinnedVersionRow[]> {
    return runIn(this.dataSource, undefined, PINNED, [
      tenant(),
      refs.map((r) => r.id),
      refs.map((r) => r.version),
    ]);
  }
}
