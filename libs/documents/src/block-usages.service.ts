import { Injectable } from '@nestjs/common';
import { BlocksService } from '@app/blocks';
import { type TemplateNode, TemplatesService } from '@app/templates';
import { DOCUMENT_LIMITS } from './document-limits';
import { DocumentsRepository } from './documents.repository';
import { DocumentsErrorCode, DocumentsException } from './documents.exception';
import type { BlockUsagesDto } from './dto/usages.dto';
import { segments } from './includes';

/** A block that reaches the target through includes: its include path and the pin at the target. */
interface Via {
  title: string;
  /** From this block down to the target. */
  path: string[];
  pin: 'latest' | number;
}

/**
 * Where-used of a block: blocks including it (transitively, at most 16 levels), and documents
 * and templates with a node on it or on one of those blocks. Includes are read from the blocks'
 * current content.
 */
@Injectable()
export class BlockUsagesService {
  constructor(
    private readonly blocks: BlocksService,
    private readonly repository: DocumentsRepository,
    private readonly templates: TemplatesService,
  ) {}

  async usages(blockId: string): Promise<BlockUsagesDto> {
    const [target] = await this.blocks.findMany([blockId]);
    if (!target) throw new DocumentsException(DocumentsErrorCode.BLOCK_NOT_FOUND);
    const latest = target.deleted ? null : target.version;
    const stale = (pin: 'latest' | number) => pin !== 'latest' && latest !== null && pin < latest;

    const via = await this.includers(blockId);
    let truncated = via.truncated;
    const blocks = [...via.found.entries()].map(([id, v]) => ({
      id,
      title: v.title,
      pin: v.pin,
      stale: stale(v.pin),
      direct: v.path.length === 2,
      path: v.path,
    }));

    const reach = (nodes: TemplateNode[]) =>
      nodes.flatMap((node) => {
        if (node.kind !== 'block') return [];
        if (node.blockId === blockId) return [{ pin: node.pin, direct: true, path: [blockId] }];
        const through = via.found.get(node.blockId);
        return through ? [{ pin: through.pin, direct: false, path: through.path }] : [];
      });
    const ids = [blockId, ...via.found.keys()];
    const docs = await this.repository.usingBlocks(ids);
    truncated ||= docs.length >= 1000;
    const documents = docs.flatMap((doc) =>
      reach(doc.nodes).map((use) => ({
        id: doc.id,
        title: doc.title,
        ...use,
        stale: stale(use.pin),
      })),
    );
    const tpls = (
      await Promise.all(ids.slice(0, 200).map((id) => this.templates.usingBlock(id)))
    ).flat();
    const seen = new Set<string>();
    const templates = tpls
      .filter((t) => !seen.has(t.id) && seen.add(t.id))
      .flatMap((t) =>
        reach(t.nodes).map((use) => ({ id: t.id, name: t.name, ...use, stale: stale(use.pin) })),
      );

    const all = [...documents, ...templates, ...blocks];
    return {
      documents,
      templates,
      blocks,
      summary: {
        pinned: all.filter((u) => u.pin !== 'latest').length,
        live: all.filter((u) => u.pin === 'latest').length,
      },
      ...(truncated ? { truncated } : {}),
    };
  }

  /** Blocks including the target, level by level upwards, with their shortest path to it. */
  private async includers(
    target: string,
  ): Promise<{ found: Map<string, Via>; truncated: boolean }> {
    const found = new Map<string, Via>();
    let frontier = new Map<string, Via>([[target, { title: '', path: [target], pin: 'latest' }]]);
    let truncated = false;
    for (let depth = 0; depth < DOCUMENT_LIMITS.maxIncludeDepth && frontier.size; depth++) {
      const rows = await this.blocks.including([...frontier.keys()]);
      truncated ||= rows.length >= 1000;
      const next = new Map<string, Via>();
      for (const row of rows) {
        if (row.id === target || found.has(row.id) || next.has(row.id)) continue;
        for (const part of segments(row.content)) {
          if (part.kind !== 'include') continue;
          const below = frontier.get(part.blockId);
          if (!below) continue;
          next.set(row.id, {
            title: row.title,
            path: [row.id, ...below.path],
            // The pin at the target: the include's own when it includes the target directly.
            pin: below.path.length === 1 ? part.pin : below.pin,
          });
          break;
        }
      }
      for (const [id, v] of next) found.set(id, v);
      frontier = next;
    }
    return { found, truncated };
  }
}
