import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { RequestContext } from '@app/common';
import { preparedQuery, statement } from '@app/database';
import { type TocEntry } from '@app/templates';

export interface ManifestEntry {
  blockId: string;
  version: number;
  contentSha256: string;
  path: string[];
}

export interface AssemblyWarning {
  code: string;
  blockId: string;
  message: string;
}

export interface AssemblyRow {
  id: string;
  document_id: string;
  document_version: number;
  title: string;
  markdown: string;
  toc: TocEntry[];
  manifest: ManifestEntry[];
  warnings: AssemblyWarning[];
  options: Record<string, unknown>;
  created_at: Date;
  created_by: string | null;
}

const COLUMNS =
  'id, document_id, document_version, title, markdown, toc, manifest, warnings, options, created_at, created_by';
const SUMMARY_COLUMNS =
  "id, document_id, document_version, title, '' AS markdown, toc, manifest, warnings, options, created_at, created_by";

/** Assemblies are only ever inserted (a trigger refuses updates): no locking needed. */
const INSERT = statement(
  'assemblies_insert',
  `
  INSERT INTO document_assemblies (id, tenant_id, document_id, document_version, title, markdown, toc, manifest, warnings, options, created_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
);

const FIND = statement(
  'assemblies_find',
  `SELECT ${COLUMNS} FROM document_assemblies WHERE id = $1 AND document_id = $2 AND tenant_id = $3`,
);

/** Newest first, keyset on (created_at, id); without the markdown, which can be megabytes. */
const LIST = statement(
  'assemblies_list',
  `
  SELECT ${SUMMARY_COLUMNS} FROM document_assemblies
  WHERE tenant_id = $1 AND document_id = $2
    AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
  ORDER BY created_at DESC, id DESC LIMIT $5`,
);

/** All SQL of stored assemblies, scoped by the request's tenant. */
@Injectable()
export class AssembliesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insert(manager: EntityManager, row: Omit<AssemblyRow, 'created_at'>): Promise<AssemblyRow> {
    const [stored] = await preparedQuery<AssemblyRow>(manager, INSERT, [
      row.id,
      RequestContext.tenantId(),
      row.document_id,
      row.document_version,
      row.title,
      row.markdown,
      JSON.stringify(row.toc),
      JSON.stringify(row.manifest),
      JSON.stringify(row.warnings),
      JSON.stringify(row.options),
      row.created_by,
    ]);
    return stored;
  }

  async find(documentId: string, id: string): Promise<AssemblyRow | null> {
    const [row] = await preparedQuery<AssemblyRow>(this.dataSource.manager, FIND, [
      id,
      documentId,
      RequestContext.tenantId(),
    ]);
    return row ?? null;
  }

  list(
    documentId: string,
    after: { createdAt: string; id: string } | null,
    limit: number,
  ): Promise<AssemblyRow[]> {
    return preparedQuery<AssemblyRow>(this.dataSource.manager, LIST, [
      RequestContext.tenantId(),
      documentId,
      after?.createdAt ?? null,
      after?.id ?? null,
      limit,
    ]);
  }
}
