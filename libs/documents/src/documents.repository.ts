import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '@app/common';
import { preparedQuery, statement } from '@app/database';
import { type ContentNode, type TemplateNode } from '@app/templates';

export interface DocumentRow {
  id: string;
  title: string;
  template_id: string | null;
  template_version: number | null;
  variables: Record<string, unknown>;
  slots: Record<string, ContentNode[]>;
  nodes: ContentNode[];
  version: number;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
}

export type DocumentFields = Pick<
  DocumentRow,
  'title' | 'template_id' | 'template_version' | 'variables' | 'slots' | 'nodes'
>;

const COLUMNS =
  'id, title, template_id, template_version, variables, slots, nodes, version, created_at, updated_at, created_by, updated_by';

/** A live document of the caller's tenant. */
const FIND = statement(
  'documents_find',
  `SELECT ${COLUMNS} FROM documents WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
);

/**
 * The same row locked until the transaction ends: concurrent writers of one document queue
 * here, so each If-Match is checked against the version it will replace.
 */
const LOCK = statement('documents_lock', `${FIND.text} FOR UPDATE`);

/** One stored version (the current one included), of a live document only. */
const FIND_VERSION = statement(
  'documents_find_version',
  `
  SELECT d.id, v.title, v.template_id, v.template_version, v.variables, v.slots, v.nodes, v.version,
         d.created_at, v.created_at AS updated_at, d.created_by, v.created_by AS updated_by
  FROM document_versions v JOIN documents d ON d.id = v.document_id AND d.tenant_id = v.tenant_id
  WHERE v.document_id = $1 AND v.tenant_id = $2 AND v.version = $3 AND d.deleted_at IS NULL`,
);

const INSERT = statement(
  'documents_insert',
  `
  INSERT INTO documents (id, tenant_id, title, template_id, template_version, variables, slots, nodes, created_by, updated_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ${COLUMNS}`,
);

/** Runs under LOCK, in the same transaction. */
const UPDATE = statement(
  'documents_update',
  `
  UPDATE documents SET title = $3, template_id = $4, template_version = $5, variables = $6, slots = $7,
    nodes = $8, version = version + 1, updated_at = now(), updated_by = $9
  WHERE id = $1 AND tenant_id = $2 RETURNING ${COLUMNS}`,
);

/** Every write records its new state, the current version included. */
const INSERT_VERSION = statement(
  'documents_insert_version',
  `
  INSERT INTO document_versions (tenant_id, document_id, version, title, template_id, template_version, variables, slots, nodes, created_at, created_by)
  SELECT tenant_id, id, version, title, template_id, template_version, variables, slots, nodes, updated_at, updated_by
  FROM documents WHERE id = $1 AND tenant_id = $2`,
);

/** Runs under LOCK. */
const SOFT_DELETE = statement(
  'documents_soft_delete',
  `
  UPDATE documents SET deleted_at = now(), updated_at = now(), updated_by = $3
  WHERE id = $1 AND tenant_id = $2`,
);

/**
 * Newest first, keyset on (updated_at, id). `usesBlock` is a direct block node (containment,
 * answered by the GIN index on nodes).
 */
const LIST = statement(
  'documents_list',
  `
  SELECT ${COLUMNS} FROM documents
  WHERE tenant_id = $1 AND deleted_at IS NULL
    AND ($2::text IS NULL OR title ILIKE '%' || $2 || '%')
    AND ($3::uuid IS NULL OR template_id = $3)
    AND ($4::text IS NULL OR nodes @> jsonb_build_array(jsonb_build_object('blockId', $4::text)))
    AND ($5::timestamptz IS NULL OR (updated_at, id) < ($5, $6::uuid))
  ORDER BY updated_at DESC, id DESC LIMIT $7`,
);

/** Live documents with a block node on any of the given blocks (where-used). */
const USING_BLOCKS = statement(
  'documents_using_blocks',
  `
  SELECT id, title, nodes FROM documents
  WHERE tenant_id = $1 AND deleted_at IS NULL
    AND nodes @> ANY (SELECT jsonb_build_array(jsonb_build_object('blockId', b)) FROM unnest($2::text[]) AS b)
  ORDER BY id LIMIT 1000`,
);

/** All SQL of documents and where-used; every statement is scoped by the request's tenant. */
@Injectable()
export class DocumentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async find(id: string): Promise<DocumentRow | null> {
    const [row] = await preparedQuery<DocumentRow>(this.dataSource.manager, FIND, [
      id,
      RequestContext.tenantId(),
    ]);
    return row ?? null;
  }

  async lock(manager: EntityManager, id: string): Promise<DocumentRow | null> {
    const [row] = await preparedQuery<DocumentRow>(manager, LOCK, [id, RequestContext.tenantId()]);
    return row ?? null;
  }

  async findVersion(id: string, version: number): Promise<DocumentRow | null> {
    const [row] = await preparedQuery<DocumentRow>(this.dataSource.manager, FIND_VERSION, [
      id,
      RequestContext.tenantId(),
      version,
    ]);
    return row ?? null;
  }

  async insert(
    manager: EntityManager,
    id: string,
    fields: DocumentFields,
    actor: string | null,
  ): Promise<DocumentRow> {
    const [row] = await preparedQuery<DocumentRow>(manager, INSERT, [
      id,
      RequestContext.tenantId(),
      ...values(fields),
      actor,
    ]);
    await preparedQuery(manager, INSERT_VERSION, [id, RequestContext.tenantId()]);
    return row;
  }

  async update(
    manager: EntityManager,
    id: string,
    fields: DocumentFields,
    actor: string | null,
  ): Promise<DocumentRow> {
    const [row] = await preparedQuery<DocumentRow>(manager, UPDATE, [
      id,
      RequestContext.tenantId(),
      ...values(fields),
      actor,
    ]);
    await preparedQuery(manager, INSERT_VERSION, [id, RequestContext.tenantId()]);
    return row;
  }

  async softDelete(manager: EntityManager, id: string, actor: string | null): Promise<void> {
    await preparedQuery(manager, SOFT_DELETE, [id, RequestContext.tenantId(), actor]);
  }

  list(
    filters: { q: string | null; templateId: string | null; usesBlock: string | null },
    after: { updatedAt: string; id: string } | null,
    limit: number,
  ): Promise<DocumentRow[]> {
    return preparedQuery<DocumentRow>(this.dataSource.manager, LIST, [
      RequestContext.tenantId(),
      filters.q,
      filters.templateId,
      filters.usesBlock,
      after?.updatedAt ?? null,
      after?.id ?? null,
      limit,
    ]);
  }

  usingBlocks(blockIds: string[]): Promise<Pick<DocumentRow, 'id' | 'title' | 'nodes'>[]> {
    return preparedQuery(this.dataSource.manager, USING_BLOCKS, [
      RequestContext.tenantId(),
      blockIds,
    ]);
  }
}

function values(fields: DocumentFields): unknown[] {
  return [
    fields.title,
    fields.template_id,
    fields.template_version,
    JSON.stringify(fields.variables),
    JSON.stringify(fields.slots),
    JSON.stringify(fields.nodes satisfies TemplateNode[]),
  ];
}
