import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { type AuditActionName, AuditService } from '@app/audit';
import {
  CommonErrorCode,
  CommonException,
  type Page,
  RequestContext,
  decodeCursor,
  encodeCursor,
} from '@app/common';
import type { EntityManager } from 'typeorm';
import type { TemplateDto, WriteTemplateDto } from './dto/template.dto';
import { etagOf, ifMatchHolds } from './etag';
import { type TemplateNode, liquidSources, nodeErrors, normaliseNodes } from './nodes';
import { liquidException, TemplateRenderer } from './template-renderer';
import { TemplatesErrorCode, TemplatesException } from './templates.exception';
import { type TemplateRow, TemplatesRepository } from './templates.repository';
import { type VariablesSchema, schemaErrors } from './variables-schema';

/** Audit actions of templates: a typed map, so an action nobody emits fails to compile. */
export const TEMPLATE_AUDIT = {
  create: 'template.create',
  update: 'template.update',
  delete: 'template.delete',
} as const;

/**
 * Block nodes of a template: checked by the documents module (which owns block references)
 * when a template is saved, so templates need no dependency on blocks here.
 */
export interface TemplateBlockCheck {
  check(nodes: TemplateNode[]): Promise<void>;
}

/** Templates: validated (nodes, variables schema, Liquid syntax), versioned, tenant-scoped. */
@Injectable()
export class TemplatesService {
  private blockCheck: TemplateBlockCheck | null = null;

  constructor(
    private readonly repository: TemplatesRepository,
    private readonly renderer: TemplateRenderer,
    private readonly audit: AuditService,
  ) {}

  /** The documents module registers its reference check (unknown ids, cycles) here. */
  useBlockCheck(check: TemplateBlockCheck): void {
    this.blockCheck = check;
  }

  async create(dto: WriteTemplateDto): Promise<TemplateDto> {
    const fields = await this.validate(dto);
    const id = uuidv7();
    return this.repository.transaction(async (manager) => {
      const row = await this.repository.insert(manager, id, fields, actorId());
      await this.record(manager, TEMPLATE_AUDIT.create, id, null, row);
      return toTemplateDto(row);
    });
  }

  /** A live template, or one of its versions (a deleted template's are for its documents only). */
  async get(id: string, version?: number): Promise<TemplateDto> {
    const live = await this.repository.find(id);
    if (!live) throw new TemplatesException(TemplatesErrorCode.TEMPLATE_NOT_FOUND);
    if (version === undefined || version === live.version) return toTemplateDto(live);
    const row = await this.repository.findVersion(id, version);
    if (!row) throw new TemplatesException(TemplatesErrorCode.TEMPLATE_VERSION_NOT_FOUND);
    return toTemplateDto(row);
  }

  /** The live template's current row, or null (documents turn that into their own 422). */
  findLive(id: string): Promise<TemplateRow | null> {
    return this.repository.find(id);
  }

  /** Any version, also of a deleted template (documents keep the version they were made from). */
  async getVersion(id: string, version: number): Promise<TemplateRow | null> {
    return this.repository.findVersion(id, version);
  }

  async replace(id: string, dto: WriteTemplateDto, ifMatch?: string): Promise<TemplateDto> {
    const fields = await this.validate(dto);
    return this.repository.transaction(async (manager) => {
      const before = await this.repository.lock(manager, id);
      if (!before) throw new TemplatesException(TemplatesErrorCode.TEMPLATE_NOT_FOUND);
      if (!ifMatchHolds(ifMatch, etagOf(before.version))) {
        throw new TemplatesException(TemplatesErrorCode.VERSION_CONFLICT);
      }
      const row = await this.repository.update(manager, id, fields, actorId());
      await this.record(manager, TEMPLATE_AUDIT.update, id, before, row);
      return toTemplateDto(row);
    });
  }

  async remove(id: string, force: boolean, ifMatch?: string): Promise<void> {
    await this.repository.transaction(async (manager) => {
      const before = await this.repository.lock(manager, id);
      if (!before) throw new TemplatesException(TemplatesErrorCode.TEMPLATE_NOT_FOUND);
      if (!ifMatchHolds(ifMatch, etagOf(before.version))) {
        throw new TemplatesException(TemplatesErrorCode.VERSION_CONFLICT);
      }
      if (!force) {
        const documents = await this.repository.documentsUsing(manager, id);
        if (documents.length) {
          throw new TemplatesException(TemplatesErrorCode.TEMPLATE_IN_USE, undefined, undefined, {
            documents,
          });
        }
      }
      await this.repository.softDelete(manager, id, actorId());
      await this.record(manager, TEMPLATE_AUDIT.delete, id, before, null);
    });
  }

  async list(q: string | undefined, limit = 20, cursor?: string): Promise<Page<TemplateDto>> {
    let after: { name: string; id: string } | null = null;
    if (cursor) {
      const key = decodeCursor(cursor, ['n', 'i']);
      if (typeof key.n !== 'string' || typeof key.i !== 'string') {
        throw new CommonException(CommonErrorCode.INVALID_CURSOR);
      }
      after = { name: key.n, id: key.i };
    }
    const pattern = q ? q.replace(/[\\%_]/g, '\\$&') : null;
    const rows = await this.repository.list(pattern, after, limit + 1);
    const items = rows.slice(0, limit).map(toTemplateDto);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor({ n: last.name, i: last.id }) : null,
    };
  }

  /** Templates referencing a block directly (for where-used). */
  usingBlock(blockId: string): Promise<Pick<TemplateRow, 'id' | 'name' | 'nodes'>[]> {
    return this.repository.usingBlock(blockId);
  }

  /** Nodes and schema first (400 with every field), then Liquid syntax (422 with position). */
  private async validate(
    dto: WriteTemplateDto,
  ): Promise<Pick<TemplateRow, 'name' | 'description' | 'variables' | 'nodes'>> {
    const variables = dto.variables ?? { type: 'object', properties: {} };
    const errors = [...nodeErrors(dto.nodes, 'nodes', true), ...schemaErrors(variables)];
    const nodes = errors.length ? [] : normaliseNodes(dto.nodes as TemplateNode[]);
    if (!errors.length) {
      const names = nodes.filter((n) => n.kind === 'slot').map((n) => n.name);
      const twice = names.find((name, i) => names.indexOf(name) !== i);
      if (twice) errors.push({ field: 'nodes', message: `slot "${twice}" appears twice` });
    }
    if (errors.length) throw TemplatesException.invalid(errors);
    await assertSyntax(this.renderer, nodes);
    await this.blockCheck?.check(nodes);
    return {
      name: dto.name,
      description: dto.description ?? '',
      variables: variables as unknown as VariablesSchema,
      nodes,
    };
  }

  private async record(
    manager: EntityManager,
    action: AuditActionName,
    id: string,
    before: TemplateRow | null,
    after: TemplateRow | null,
  ): Promise<void> {
    await this.audit.record(manager, {
      action,
      resourceType: 'template',
      resourceId: id,
      changes: { before: snapshot(before), after: snapshot(after) },
    });
  }
}

/** Every heading and text node parses as Liquid, or a 422 names the node, line and column. */
export async function assertSyntax(
  renderer: TemplateRenderer,
  nodes: TemplateNode[],
): Promise<void> {
  const sources = liquidSources(nodes);
  const [failure] = await renderer.syntaxErrors(sources.map((s) => s.source));
  if (failure) throw liquidException(failure, { node: sources[failure.index].index });
}

function snapshot(row: TemplateRow | null): Record<string, unknown> | null {
  if (!row) return null;
  return {
    name: row.name,
    version: row.version,
    nodes: row.nodes.length,
    variables: Object.keys(row.variables.properties ?? {}),
  };
}

export function toTemplateDto(row: TemplateRow): TemplateDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    variables: row.variables as unknown as Record<string, unknown>,
    nodes: row.nodes,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    createdBy: row.created_by,
    updatedBy: row.updated_by,
  };
}

/** The calling user, or null outside a request (seed scripts). */
export function actorId(): string | null {
  return RequestContext.principal()?.userId ?? null;
}
