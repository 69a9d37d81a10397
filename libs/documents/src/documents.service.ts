import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type AuditActionName, AuditService } from '@app/audit';
import { BlocksService } from '@app/blocks';
import {
  CommonErrorCode,
  CommonException,
  type FieldError,
  type Page,
  decodeCursor,
  encodeCursor,
} from '@app/common';
import {
  type BlockNode,
  type ContentNode,
  TemplateRenderer,
  type TemplateRow,
  TemplatesService,
  actorId,
  assertSyntax,
  etagOf,
  ifMatchHolds,
  nodeErrors,
  normaliseNodes,
} from '@app/templates';
import { DOCUMENT_LIMITS } from './document-limits';
import { type DocumentFields, type DocumentRow, DocumentsRepository } from './documents.repository';
import { DocumentsErrorCode, DocumentsException } from './documents.exception';
import type {
  CreateDocumentDto,
  DocumentDto,
  ListDocumentsQueryDto,
  ReferenceDto,
  UpdateDocumentDto,
} from './dto/document.dto';
import { ReferenceResolver, type ResolvedRef, flatten } from './reference-resolver';

/** Audit actions of documents: a typed map, so an action nobody emits fails to compile. */
export const DOCUMENT_AUDIT = {
  create: 'document.create',
  update: 'document.update',
  delete: 'document.delete',
  assemble: 'document.assemble',
  export: 'document.export',
} as const;

/** Documents: nodes or a filled template, versioned, with their block references checked. */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly repository: DocumentsRepository,
    private readonly templates: TemplatesService,
    private readonly renderer: TemplateRenderer,
    private readonly resolver: ReferenceResolver,
    private readonly blocks: BlocksService,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateDocumentDto): Promise<DocumentDto> {
    let fields: DocumentFields;
    if (dto.templateId) {
      if (dto.nodes !== undefined) {
        throw DocumentsException.invalid([
          { field: 'nodes', message: 'must be absent when the document is made from a template' },
        ]);
      }
      const template = await this.template(dto.templateId, dto.templateVersion);
      fields = {
        title: dto.title,
        template_id: template.id,
        template_version: template.version,
        variables: dto.variables ?? {},
        ...fill(template, dto.slots ?? {}),
      };
    } else {
      if (dto.slots !== undefined || dto.templateVersion !== undefined) {
        throw DocumentsException.invalid([
          {
            field: dto.slots !== undefined ? 'slots' : 'templateVersion',
            message: 'needs a templateId',
          },
        ]);
      }
      fields = {
        title: dto.title,
        template_id: null,
        template_version: null,
        variables: dto.variables ?? {},
        slots: {},
        nodes: contentNodes(dto.nodes ?? [], 'nodes'),
      };
    }
    const references = await this.validate(fields.nodes, new Set());
    const id = uuidv7();
    const row = await this.repository.transaction(async (manager) => {
      const inserted = await this.repository.insert(manager, id, fields, actorId());
      await this.record(manager, DOCUMENT_AUDIT.create, id, null, inserted);
      return inserted;
    });
    return toDocumentDto(row, references);
  }

  async get(id: string, version?: number): Promise<DocumentDto> {
    const row =
      version === undefined
        ? await this.repository.find(id)
        : await this.repository.findVersion(id, version);
    if (!row) {
      if (version !== undefined && (await this.repository.find(id))) {
        throw new DocumentsException(DocumentsErrorCode.DOCUMENT_VERSION_NOT_FOUND);
      }
      throw new DocumentsException(DocumentsErrorCode.DOCUMENT_NOT_FOUND);
    }
    return toDocumentDto(row, await this.references(row.nodes));
  }

  /** The live row, for assembly. */
  async row(id: string): Promise<DocumentRow> {
    const row = await this.repository.find(id);
    if (!row) throw new DocumentsException(DocumentsErrorCode.DOCUMENT_NOT_FOUND);
    return row;
  }

  async update(id: string, dto: UpdateDocumentDto, ifMatch?: string): Promise<DocumentDto> {
    // Templates and block versions are read before the row lock, so the lock is held briefly;
    // the If-Match is checked under the lock against the version being replaced.
    const current = await this.row(id);
    const fields = await this.nextFields(current, dto);
    const references = await this.validate(fields.nodes, blockIds(current.nodes));
    const row = await this.repository.transaction(async (manager) => {
      const before = await this.repository.lock(manager, id);
      if (!before) throw new DocumentsException(DocumentsErrorCode.DOCUMENT_NOT_FOUND);
      if (!ifMatchHolds(ifMatch, etagOf(before.version)) || before.version !== current.version) {
        throw new DocumentsException(
          DocumentsErrorCode.VERSION_CONFLICT,
          ifMatch === undefined
            ? 'The document changed while this update was prepared; retry'
            : undefined,
        );
      }
      const updated = await this.repository.update(manager, id, fields, actorId());
      await this.record(manager, DOCUMENT_AUDIT.update, id, before, updated);
      return updated;
    });
    return toDocumentDto(row, references);
  }

  async remove(id: string, ifMatch?: string): Promise<void> {
    await this.repository.transaction(async (manager) => {
      const before = await this.repository.lock(manager, id);
      if (!before) throw new DocumentsException(DocumentsErrorCode.DOCUMENT_NOT_FOUND);
      if (!ifMatchHolds(ifMatch, etagOf(before.version))) {
        throw new DocumentsException(DocumentsErrorCode.VERSION_CONFLICT);
      }
      await this.repository.softDelete(manager, id, actorId());
      await this.record(manager, DOCUMENT_AUDIT.delete, id, before, null);
    });
  }

  async list(query: ListDocumentsQueryDto): Promise<Page<DocumentDto>> {
    const limit = query.limit ?? 20;
    let after: { updatedAt: string; id: string } | null = null;
    if (query.cursor) {
      const key = decodeCursor(query.cursor, ['u', 'i']);
      if (
        typeof key.u !== 'string' ||
        typeof key.i !== 'string' ||
        Number.isNaN(Date.parse(key.u))
      ) {
        throw new CommonException(CommonErrorCode.INVALID_CURSOR);
      }
      after = { updatedAt: key.u, id: key.i };
    }
    const rows = await this.repository.list(
      {
        q: query.q ? query.q.replace(/[\\%_]/g, '\\$&') : null,
        templateId: query.templateId?.toLowerCase() ?? null,
        usesBlock: query.usesBlock?.toLowerCase() ?? null,
      },
      after,
      limit + 1,
    );
    const items = rows.slice(0, limit).map((row) => toDocumentDto(row));
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last ? encodeCursor({ u: last.updatedAt, i: last.id }) : null,
    };
  }

  /** Every block a node list uses, directly or through includes (cycles reported by assembly). */
  async references(nodes: ContentNode[]): Promise<ReferenceDto[]> {
    const tree = await this.resolver.resolve(roots(nodes), { tolerant: true });
    return flatten(tree).map(toReferenceDto);
  }

  /**
   * The rules of a saved node list: at most maxNodes, Liquid that parses, block ids of this
   * tenant (a newly added one must be live), no include cycle, includes at most 16 deep.
   */
  async validate(nodes: ContentNode[], known: Set<string>): Promise<ReferenceDto[]> {
    if (nodes.length > DOCUMENT_LIMITS.maxNodes) {
      throw new DocumentsException(
        DocumentsErrorCode.DOCUMENT_TOO_LARGE,
        `The document has ${nodes.length} nodes; at most ${DOCUMENT_LIMITS.maxNodes} are allowed (limit: maxNodes)`,
        undefined,
        { limit: 'maxNodes', max: DOCUMENT_LIMITS.maxNodes },
      );
    }
    await assertSyntax(this.renderer, nodes);
    const tree = await this.resolver.resolve(roots(nodes));
    const unknown = tree.filter((ref) => ref.unknown || (ref.missing && !known.has(ref.blockId)));
    if (unknown.length) {
      const ids = [...new Set(unknown.map((ref) => ref.blockId))];
      throw new DocumentsException(
        DocumentsErrorCode.UNKNOWN_REFERENCE,
        `Unknown or deleted blocks (or block versions): ${ids.join(', ')}`,
        undefined,
        { blockIds: ids },
      );
    }
    return flatten(tree).map(toReferenceDto);
  }

  /** What a PATCH makes of the current row. */
  private async nextFields(current: DocumentRow, dto: UpdateDocumentDto): Promise<DocumentFields> {
    const fields: DocumentFields = {
      title: dto.title ?? current.title,
      template_id: current.template_id,
      template_version: current.template_version,
      variables: dto.variables ?? current.variables,
      slots: current.slots,
      nodes: current.nodes,
    };
    if (current.template_id) {
      if (dto.nodes !== undefined) {
        throw DocumentsException.invalid([
          { field: 'nodes', message: 'a document made from a template changes through its slots' },
        ]);
      }
      if (dto.slots !== undefined || dto.templateVersion !== undefined) {
        const template = await this.template(
          current.template_id,
          dto.templateVersion ?? current.template_version ?? undefined,
          true,
        );
        fields.template_version = template.version;
        Object.assign(fields, fill(template, dto.slots ?? current.slots));
      }
    } else {
      if (dto.slots !== undefined || dto.templateVersion !== undefined) {
        throw DocumentsException.invalid([
          {
            field: dto.slots !== undefined ? 'slots' : 'templateVersion',
            message: 'the document has no template',
          },
        ]);
      }
      if (dto.nodes !== undefined) fields.nodes = contentNodes(dto.nodes, 'nodes');
    }
    if (dto.bump !== undefined) await this.bump(fields, dto.bump);
    return fields;
  }

  /** Moves pinned block nodes (in the nodes and the slots) to the blocks' current versions. */
  private async bump(fields: DocumentFields, which: true | string[]): Promise<void> {
    const wanted = which === true ? null : new Set(which.map((id) => id.toLowerCase()));
    const lists = [fields.nodes, ...Object.values(fields.slots)];
    const pinned = lists
      .flat()
      .filter(
        (n): n is BlockNode =>
          n.kind === 'block' && n.pin !== 'latest' && (!wanted || wanted.has(n.blockId)),
      );
    const latest = new Map(
      (await this.blocks.findMany([...new Set(pinned.map((n) => n.blockId))]))
        .filter((b) => !b.deleted)
        .map((b) => [b.id, b.version]),
    );
    const moved = (nodes: ContentNode[]) =>
      nodes.map((n) =>
        n.kind === 'block' &&
        n.pin !== 'latest' &&
        latest.has(n.blockId) &&
        (!wanted || wanted.has(n.blockId))
          ? { ...n, pin: latest.get(n.blockId)! }
          : n,
      );
    fields.nodes = moved(fields.nodes);
    fields.slots = Object.fromEntries(Object.entries(fields.slots).map(([k, v]) => [k, moved(v)]));
  }

  /** A template version to make a document from; unknown (or another tenant's) is a 422. */
  private async template(id: string, version?: number, allowDeleted = false): Promise<TemplateRow> {
    const live = await this.templates.findLive(id);
    const template =
      version !== undefined && (live || allowDeleted)
        ? await this.templates.getVersion(id, version)
        : live;
    if (!template) {
      throw new DocumentsException(
        DocumentsErrorCode.UNKNOWN_TEMPLATE,
        version !== undefined ? `Template ${id} has no version ${version}` : undefined,
      );
    }
    return template;
  }

  private async record(
    manager: EntityManager,
    action: AuditActionName,
    id: string,
    before: DocumentRow | null,
    after: DocumentRow | null,
  ): Promise<void> {
    await this.audit.record(manager, {
      action,
      resourceType: 'document',
      resourceId: id,
      changes: { before: snapshot(before), after: snapshot(after) },
    });
  }
}

/** A template's nodes with each slot replaced by the document's nodes for it. */
function fill(
  template: TemplateRow,
  slots: Record<string, unknown>,
): Pick<DocumentFields, 'slots' | 'nodes'> {
  const names = template.nodes.flatMap((n) => (n.kind === 'slot' ? [n.name] : []));
  const errors: FieldError[] = [];
  for (const name of Object.keys(slots)) {
    if (!names.includes(name))
      errors.push({
        field: `slots.${name.slice(0, 64)}`,
        message: 'is not a slot of the template',
      });
    else errors.push(...nodeErrors(slots[name], `slots.${name}`, false));
  }
  if (errors.length) throw DocumentsException.invalid(errors);
  const filled = Object.fromEntries(
    Object.entries(slots as Record<string, ContentNode[]>).map(([k, v]) => [k, normaliseNodes(v)]),
  );
  const nodes = template.nodes.flatMap((n) => (n.kind === 'slot' ? (filled[n.name] ?? []) : [n]));
  return { slots: filled, nodes };
}

function contentNodes(nodes: unknown[], field: string): ContentNode[] {
  const errors = nodeErrors(nodes, field, false);
  if (errors.length) throw DocumentsException.invalid(errors);
  return normaliseNodes(nodes as ContentNode[]);
}

export function roots(nodes: ContentNode[]): Array<{ blockId: string; pin: 'latest' | number }> {
  return nodes.flatMap((n) =>
    n.kind === 'block' ? [{ blockId: n.blockId.toLowerCase(), pin: n.pin }] : [],
  );
}

function blockIds(nodes: ContentNode[]): Set<string> {
  return new Set(roots(nodes).map((r) => r.blockId));
}

function toReferenceDto(ref: ResolvedRef): ReferenceDto {
  return {
    blockId: ref.blockId,
    pin: ref.pin,
    resolvedVersion: ref.resolvedVersion,
    latestVersion: ref.latestVersion,
    stale: ref.stale,
    missing: ref.missing,
    path: ref.path,
  };
}

function snapshot(row: DocumentRow | null): Record<string, unknown> | null {
  if (!row) return null;
  return {
    title: row.title,
    version: row.version,
    templateId: row.template_id,
    templateVersion: row.template_version,
    nodes: row.nodes.length,
    blocks: roots(row.nodes).map((r) => `${r.blockId}@${r.pin}`),
  };
}

export function toDocumentDto(row: DocumentRow, references?: ReferenceDto[]): DocumentDto {
  return {
    id: row.id,
    title: row.title,
    templateId: row.template_id,
    templateVersion: row.template_version,
    variables: row.variables,
    slots: row.slots,
    nodes: row.nodes,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    ...(references ? { references } : {}),
  };
}
