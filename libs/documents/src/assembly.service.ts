import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '@app/audit';
import {
  CommonErrorCode,
  CommonException,
  type Page,
  RequestContext,
  TenantConcurrency,
  decodeCursor,
  encodeCursor,
} from '@app/common';
import {
  type ContentNode,
  type RenderPiece,
  TemplateRenderer,
  TemplatesService,
  actorId,
  checkVariables,
  liquidException,
} from '@app/templates';
import {
  type AssemblyRow,
  type AssemblyWarning,
  AssembliesRepository,
  type ManifestEntry,
} from './assemblies.repository';
import { DOCUMENT_LIMITS } from './document-limits';
import { DocumentMetrics } from './document-metrics';
import type { DocumentRow } from './documents.repository';
import { DocumentsErrorCode, DocumentsException } from './documents.exception';
import { DOCUMENT_AUDIT, DocumentsService, roots } from './documents.service';
import type { AssembleDto, AssemblyDto, AssemblySummaryDto, OnMissing } from './dto/assembly.dto';
import { isLiquidType } from './includes';
import { ReferenceResolver, type ResolvedRef } from './reference-resolver';

/** Where a rendered piece came from, for the position in a 422. */
interface PieceOrigin {
  node: number;
  blockId?: string;
  path?: string[];
}

export const PAGE_BREAK = '<!-- page-break -->';

/**
 * Assembly: the document's nodes (profile-filtered), its block tree and its variables rendered
 * on the worker pool into one Markdown text with numbered headings, a table of contents and a
 * manifest of every block version used. Stored immutable unless it is a dry run.
 */
@Injectable()
export class AssemblyService {
  constructor(
    private readonly documents: DocumentsService,
    private readonly templates: TemplatesService,
    private readonly resolver: ReferenceResolver,
    private readonly renderer: TemplateRenderer,
    private readonly repository: AssembliesRepository,
    private readonly audit: AuditService,
    private readonly concurrency: TenantConcurrency,
    private readonly metrics: DocumentMetrics,
  ) {}

  async assemble(id: string, dto: AssembleDto): Promise<AssemblyDto> {
    try {
      // The whole build (reference resolution, rendering, storing) is inside the tenant's
      // `assemble` slot: one tenant's large documents cannot hold every worker and connection.
      const result = await this.concurrency.run('assemble', RequestContext.tenantId(), async () =>
        this.build(await this.documents.row(id), dto),
      );
      this.metrics.assemblies.inc({ result: dto.dryRun ? 'dry_run' : 'stored' });
      return result;
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      this.metrics.assemblies.inc({ result: status < 500 ? 'refused' : 'failed' });
      throw error;
    }
  }

  async get(documentId: string, assemblyId: string): Promise<AssemblyRow> {
    await this.documents.row(documentId);
    const row = await this.repository.find(documentId, assemblyId);
    if (!row) throw new DocumentsException(DocumentsErrorCode.ASSEMBLY_NOT_FOUND);
    return row;
  }

  async list(documentId: string, limit = 20, cursor?: string): Promise<Page<AssemblySummaryDto>> {
    await this.documents.row(documentId);
    let after: { createdAt: string; id: string } | null = null;
    if (cursor) {
      const key = decodeCursor(cursor, ['c', 'i']);
      if (
        typeof key.c !== 'string' ||
        typeof key.i !== 'string' ||
        Number.isNaN(Date.parse(key.c))
      ) {
        throw new CommonException(CommonErrorCode.INVALID_CURSOR);
      }
      after = { createdAt: key.c, id: key.i };
    }
    const rows = await this.repository.list(documentId, after, limit + 1);
    const items = rows.slice(0, limit).map((row) => ({
      id: row.id,
      documentVersion: row.document_version,
      manifest: row.manifest,
      warnings: row.warnings,
      createdAt: row.created_at.toISOString(),
      createdBy: row.created_by,
    }));
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last ? encodeCursor({ c: last.createdAt, i: last.id }) : null,
    };
  }

  private async build(doc: DocumentRow, dto: AssembleDto): Promise<AssemblyDto> {
    const profile = profileOf(dto.profile);
    const variables = await this.variables(doc, dto.variables ?? {});
    const nodes = doc.nodes.filter((node) => node.kind !== 'block' || selected(node.when, profile));
    const tree = await this.resolver.resolve(roots(nodes));
    const plan = plan_(nodes, tree, dto.onMissing ?? 'fail');

    const started = process.hrtime.bigint();
    const output = await this.renderer.render({
      pieces: plan.pieces,
      variables,
      numberHeadings: nodes.some((node) => node.kind === 'toc'),
      maxOutputBytes: DOCUMENT_LIMITS.maxAssembledBytes,
    });
    this.metrics.renderDuration.observe(
      { operation: 'assemble' },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    if (!output.ok) {
      if (output.error.kind === 'too-large') {
        throw new DocumentsException(
          DocumentsErrorCode.ASSEMBLY_TOO_LARGE,
          `The assembled document is over ${DOCUMENT_LIMITS.maxAssembledBytes} bytes (limit: maxAssembledBytes)`,
          undefined,
          { limit: 'maxAssembledBytes', max: DOCUMENT_LIMITS.maxAssembledBytes },
        );
      }
      throw liquidException(output.error, { ...plan.origins[output.error.index] });
    }

    const assembly = {
      id: uuidv7(),
      document_id: doc.id,
      document_version: doc.version,
      title: doc.title,
      markdown: output.markdown,
      toc: output.toc,
      manifest: plan.manifest,
      warnings: plan.warnings,
      options: {
        profile,
        onMissing: dto.onMissing ?? 'fail',
        variables: Object.keys(variables).sort(),
      },
      created_by: actorId(),
    };
    if (dto.dryRun) return toAssemblyDto({ ...assembly, created_at: null }, true);
    const stored = await this.repository.transaction(async (manager) => {
      const row = await this.repository.insert(manager, assembly);
      await this.audit.record(manager, {
        action: DOCUMENT_AUDIT.assemble,
        resourceType: 'document',
        resourceId: doc.id,
        changes: {
          before: null,
          after: {
            assemblyId: row.id,
            documentVersion: doc.version,
            bytes: Buffer.byteLength(row.markdown),
            blocks: row.manifest.length,
          },
        },
      });
      return row;
    });
    return toAssemblyDto(stored, false);
  }

  /** The document's values under the request's, with the template schema's defaults; all missing at once. */
  private async variables(
    doc: DocumentRow,
    override: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const template =
      doc.template_id && doc.template_version
        ? await this.templates.getVersion(doc.template_id, doc.template_version)
        : null;
    const check = checkVariables(template?.variables ?? null, { ...doc.variables, ...override });
    if (check.missing.length) {
      throw new DocumentsException(
        DocumentsErrorCode.MISSING_VARIABLES,
        `Required variables have no value: ${check.missing.join(', ')}`,
        undefined,
        { missingVariables: check.missing },
      );
    }
    if (check.errors.length) {
      const exception = new DocumentsException(
        DocumentsErrorCode.INVALID_VARIABLES,
        `${check.errors[0].field} ${check.errors[0].message}`,
      );
      Object.assign(exception, { errors: check.errors.slice(0, 100) });
      throw exception;
    }
    return check.values;
  }
}

/** The pieces to render in order, the manifest and the warnings of one assembly. */
function plan_(
  nodes: ContentNode[],
  tree: ResolvedRef[],
  onMissing: OnMissing,
): {
  pieces: RenderPiece[];
  origins: PieceOrigin[];
  manifest: ManifestEntry[];
  warnings: AssemblyWarning[];
} {
  const pieces: RenderPiece[] = [];
  const origins: PieceOrigin[] = [];
  const manifest: ManifestEntry[] = [];
  const warnings: AssemblyWarning[] = [];
  const missing: string[] = [];
  const push = (piece: RenderPiece, origin: PieceOrigin) => {
    pieces.push(piece);
    origins.push(origin);
  };

  const emit = (ref: ResolvedRef, offset: number, node: number) => {
    const origin = { node, blockId: ref.blockId, path: ref.path };
    if (!ref.content) {
      missing.push(ref.blockId);
      if (onMissing === 'placeholder') {
        push({ text: `> *Missing block ${ref.blockId}*`, liquid: false, headingOffset: 0 }, origin);
      }
      if (onMissing !== 'fail') {
        warnings.push({
          code: onMissing === 'omit' ? 'MISSING_BLOCK_OMITTED' : 'MISSING_BLOCK_PLACEHOLDER',
          blockId: ref.blockId,
          message: `Block ${ref.blockId} is deleted or unknown (path ${ref.path.join(' → ')})`,
        });
      }
      return;
    }
    if (ref.missing) {
      warnings.push({
        code: 'PINNED_VERSION_OF_DELETED_BLOCK',
        blockId: ref.blockId,
        message: `Block ${ref.blockId} is deleted; its pinned version ${ref.resolvedVersion} was rendered from history`,
      });
    }
    manifest.push({
      blockId: ref.blockId,
      version: ref.resolvedVersion!,
      contentSha256: createHash('sha256').update(ref.content.text).digest('hex'),
      path: ref.path,
    });
    if (!isLiquidType(ref.content.type)) {
      push({ text: ref.content.text, liquid: false, headingOffset: offset }, origin);
      return;
    }
    let child = 0;
    for (const part of ref.content.segments) {
      if (part.kind === 'text')
        push({ text: part.text, liquid: true, headingOffset: offset }, origin);
      else emit(ref.children[child++], offset, node);
    }
  };

  let next = 0;
  nodes.forEach((node, index) => {
    const origin = { node: index };
    switch (node.kind) {
      case 'heading':
        return push(
          {
            text: `${'#'.repeat(node.level)} ${node.text}`,
            liquid: true,
            headingOffset: 0,
            singleLine: true,
          },
          origin,
        );
      case 'text':
        return push({ text: node.markdown, liquid: true, headingOffset: 0 }, origin);
      case 'toc':
        return push({ text: '', liquid: false, headingOffset: 0, toc: true }, origin);
      case 'page-break':
        return push({ text: PAGE_BREAK, liquid: false, headingOffset: 0 }, origin);
      case 'block':
        return emit(tree[next++], node.headingOffset ?? 0, index);
    }
  });
  if (missing.length && onMissing === 'fail') {
    const blockIds = [...new Set(missing)];
    throw new DocumentsException(
      DocumentsErrorCode.MISSING_REFERENCE,
      `Deleted or unknown blocks: ${blockIds.join(', ')}; assemble with onMissing "omit" or "placeholder"`,
      undefined,
      { blockIds },
    );
  }
  return { pieces, origins, manifest, warnings };
}

type Profile = Record<string, string[]>;

function profileOf(profile: Record<string, unknown> | undefined): Profile {
  const out: Profile = {};
  for (const [key, value] of Object.entries(profile ?? {}).slice(
    0,
    DOCUMENT_LIMITS.maxProfileAttributes,
  )) {
    const values = Array.isArray(value) ? value : [value];
    const tooLong = (v: unknown) =>
      typeof v !== 'string' || v.length > DOCUMENT_LIMITS.maxProfileValueLength;
    if (values.length > DOCUMENT_LIMITS.maxProfileValues || values.some(tooLong)) {
      throw DocumentsException.invalid([
        {
          field: `profile.${key.slice(0, 64)}`,
          message: `must be a string or a list of at most ${DOCUMENT_LIMITS.maxProfileValues} strings`,
        },
      ]);
    }
    out[key] = values as string[];
  }
  return out;
}

/** DITAVAL-style: kept unless the profile sets an attribute of `when` to none of its values. */
function selected(when: Record<string, string[]> | undefined, profile: Profile): boolean {
  if (!when) return true;
  return Object.entries(when).every(([attribute, values]) => {
    const set = profile[attribute];
    return !set || set.some((value) => values.includes(value));
  });
}

function toAssemblyDto(
  row: Omit<AssemblyRow, 'created_at'> & { created_at: Date | null },
  dryRun: boolean,
): AssemblyDto {
  return {
    id: dryRun ? null : row.id,
    documentVersion: row.document_version,
    title: row.title,
    markdown: row.markdown,
    toc: row.toc,
    manifest: row.manifest,
    warnings: row.warnings,
    missingVariables: [],
    createdAt: row.created_at ? row.created_at.toISOString() : null,
  };
}
