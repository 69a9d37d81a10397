import { createHash } from 'node:crypto';
import type { BlockDto } from './dto/block.dto';
import type { BlockType } from './dto/block-type';

/** The columns every block read selects (never `search_vector`, never `tenant_id`). */
export const BLOCK_COLUMNS =
  'id, title, content, type, tags, metadata, version, created_at, updated_at, created_by, updated_by';

/** A block row as `pg` returns it (timestamps as Date, jsonb parsed, text[] as arrays). */
export interface BlockRow {
  id: string;
  title: string;
  content: string;
  type: string;
  tags: string[];
  metadata: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
}

export function toBlockDto(row: BlockRow): BlockDto {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    type: row.type as BlockType,
    tags: row.tags,
    metadata: row.metadata,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    createdBy: row.created_by,
    updatedBy: row.updated_by,
  };
}

/**
 * What the audit trail keeps of a block's state: every field but the content itself, which the
 * versions table keeps; a hash and a length identify it.
 */
export function auditSnapshot(
  row: Pick<BlockRow, 'title' | 'content' | 'type' | 'tags' | 'metadata' | 'version'> | null,
): Record<string, unknown> | null {
  if (!row) return null;
  return {
    title: row.title,
    type: row.type,
    tags: row.tags,
    metadata: row.metadata,
    version: row.version,
    contentLength: row.content.length,
    contentSha256: createHash('sha256').update(row.content).digest('hex'),
  };
}

export { canonicalJson } from '@app/common';
