import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '@app/common';
import { preparedQuery, statement } from '@app/database';
import type { TemplateNode } from './nodes';
import type { VariablesSchema } from './variables-schema';

export interface TemplateRow {
  id: string;
  name: string;
  description: string;
  variables: VariablesSchema;
  nodes: TemplateNode[];
  version: number;
  created_at: Date;
  updated_at: Date;
  created_by: string | null;
  updated_by: string | null;
}

const COLUMNS =
  'id, name, description, variables, nodes, version, created_at, updated_at, created_by, updated_by';

/** A live template of the caller's tenant. */
const FIND = statement(
  'templates_find',
  `SELECT ${COLUMNS} FROM templates WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
);

/**
 * The same row locked until the transaction ends: writers of one template queue here, so two
 * concurrent PUTs cannot both make version n+1 (the second sees the first's version and its
 * If-Match fails, or it builds on it).
 */
const LOCK = statement('templates_lock', `${FIND.text} FOR UPDATE`);

/**
 * Any version, also of a deleted template: documents made from it keep rendering. The creation
 * time and author of the version are the ones of the write that made it.
 */
const FIND_VERSION = statement(
  'templates_find_version',
  `
  SELECT t.id, v.name, v.description, v.variables, v.nodes, v.version, t.created_at,
         v.created_at AS updated_at, t.created_by, v.created_by AS updated_by
  FROM template_versions v JOIN templates t ON t.id = v.template_id AND t.tenant_id = v.tenant_id
  WHERE v.template_id = $1 AND v.tenant_id = $2 AND v.version = $3`,
);

const INSERT = statement(
  'templates_insert',
  `
  INSERT INTO templates (id, tenant_id, name, description, variables, nodes, created_by, updated_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${COLUMNS}`,
);

/** Runs under LOCK, in the same transaction. */
const UPDATE = statement(
  'templates_update',
  `
  UPDATE templates SET name = $3, description = $4, variables = $5, nodes = $6,
    version = version + 1, updated_at = now(), updated_by = $7
  WHERE id = $1 AND tenant_id = $2 RETURNING ${COLUMNS}`,
);

/** Every write records its new state, the current version included. */
const INSERT_VERSION = statement(
  'templates_insert_version',
  `
  INSERT INTO template_versions (tenant_id, template_id, version, name, description, variables, nodes, created_at, created_by)
  SELECT tenant_id, id, version, name, description, variables, nodes, updated_at, updated_by
  FROM templates WHERE id = $1 AND tenant_id = $2`,
);

/** Soft delete: the versions stay for the documents made from them. Runs under LOCK. */
const SOFT_DELETE = statement(
  'templates_soft_delete',
  `
  UPDATE templates SET deleted_at = now(), updated_at = now(), updated_by = $3
  WHERE id = $1 AND tenant_id = $2`,
);

/** Keyset page by (name, id); `q` is a case-insensitive substring of the name. */
const LIST = statement(
  'templates_list',
  `
  SELECT ${COLUMNS} FROM templates
  WHERE tenant_id = $1 AND deleted_at IS NULL
    AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%')
    AND ($3::text IS NULL OR (name, id) > ($3, $4::uuid))
  ORDER BY name, id LIMIT $5`,
);

/** Live documents made from the template, for the 409 of a delete (at most 50 named). */
const DOCUMENTS_USING = statement(
  'templates_documents_using',
  `
  SELECT id, title FROM documents
  WHERE tenant_id = $1 AND template_id = $2 AND deleted_at IS NULL
  ORDER BY id LIMIT 50`,
);

/** Templates whose nodes reference a block (the GIN index on nodes answers the containment). */
const USING_BLOCK = statement(
  'templates_using_block',
  `
  SELECT id, name, nodes FROM templates
  WHERE tenant_id = $1 AND deleted_at IS NULL AND nodes @> jsonb_build_array(jsonb_build_object('blockId', $2::text))
  ORDER BY id LIMIT 500`,
);

/** All SQL of templates; every statement is scoped by the tenant of the request. */
@Injectable()
export class TemplatesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async find(id: string, manager = this.dataSource.manager): Promise<TemplateRow | null> {
    const [row] = await preparedQuery<TemplateRow>(manager, FIND, [id, RequestContext.tenantId()]);
    return row ?? null;
  }

  async lock(manager: EntityManager, id: string): Promise<TemplateRow | null> {
    const [row] = await preparedQuery<TemplateRow>(manager, LOCK, [id, RequestContext.tenantId()]);
    return row ?? null;
  }

  async findVersion(
    id: string,
    version: number,
    manager = this.dataSource.manager,
  ): Promise<TemplateRow | null> {
    const [row] = await preparedQuery<TemplateRow>(manager, FIND_VERSION, [
      id,
      RequestContext.tenantId(),
      version,
    ]);
    return row ?? null;
  }

  async insert(
    manager: EntityManager,
    id: string,
    fields: Pick<TemplateRow, 'name' | 'description' | 'variables' | 'nodes'>,
    actor: string | null,
  ): Promise<TemplateRow> {
    const [row] = await preparedQuery<TemplateRow>(manager, INSERT, [
      id,
      RequestContext.tenantId(),
      fields.name,
      fields.description,
      JSON.stringify(fields.variables),
      JSON.stringify(fields.nodes),
      actor,
    ]);
    await preparedQuery(manager, INSERT_VERSION, [id, RequestContext.tenantId()]);
    return row;
  }

  async update(
    manager: EntityManager,
    id: string,
    fields: Pick<TemplateRow, 'name' | 'description' | 'variables' | 'nodes'>,
    actor: string | null,
  ): Promise<TemplateRow> {
    const [row] = await preparedQuery<TemplateRow>(manager, UPDATE, [
      id,
      RequestContext.tenantId(),
      fields.name,
      fields.description,
      JSON.stringify(fields.variables),
      JSON.stringify(fields.nodes),
      actor,
    ]);
    await preparedQuery(manager, INSERT_VERSION, [id, RequestContext.tenantId()]);
    return row;
  }

  async softDelete(manager: EntityManager, id: string, actor: string | null): Promise<void> {
    await preparedQuery(manager, SOFT_DELETE, [id, RequestContext.tenantId(), actor]);
  }

  list(
    q: string | null,
    after: { name: string; id: string } | null,
    limit: number,
  ): Promise<TemplateRow[]> {
    return preparedQuery<TemplateRow>(this.dataSource.manager, LIST, [
      RequestContext.tenantId(),
      q,
      after?.name ?? null,
      after?.id ?? null,
      limit,
    ]);
  }

  documentsUsing(manager: EntityManager, id: string): Promise<{ id: string; title: string }[]> {
    return preparedQuery(manager, DOCUMENTS_USING, [RequestContext.tenantId(), id]);
  }

  usingBlock(blockId: string): Promise<Pick<TemplateRow, 'id' | 'name' | 'nodes'>[]> {
    return preparedQuery(this.dataSource.manager, USING_BLOCK, [
      RequestContext.tenantId(),
      blockId,
    ]);
  }
}
