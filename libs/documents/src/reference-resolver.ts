import { Injectable } from '@nestjs/common';
import { BlocksService } from '@app/blocks';
import { DOCUMENT_LIMITS } from './document-limits';
import { DocumentsErrorCode, DocumentsException } from './documents.exception';
import { type Segment, isLiquidType, segments } from './includes';

/** One use of a block: a document's block node, or an include inside another block. */
export interface ResolvedRef {
  blockId: string;
  pin: 'latest' | number;
  /** Block ids from the document's block node down to this one (inclusive). */
  path: string[];
  resolvedVersion: number | null;
  /** The block's current version, null when it is deleted or unknown. */
  latestVersion: number | null;
  stale: boolean;
  /** Deleted since it was referenced (or never existed, for an include). */
  missing: boolean;
  /** The block does not exist for this tenant at all, or the pinned version does not. */
  unknown: boolean;
  /** Present when there is something to render (a pinned version of a deleted block too). */
  content?: { type: string; text: string; segments: Segment[] };
  children: ResolvedRef[];
}

interface Root {
  blockId: string;
  pin: 'latest' | number;
}

type Block = { version: number; type: string; content: string; deleted: boolean };
type Version = { type: string; content: string; deleted: boolean };

/**
 * Walks the include tree of a document's block nodes level by level: one query for the blocks
 * of a level and one for its pinned versions, whatever its width. A cycle, a depth over the
 * limit or a tree over the reference cap is refused as soon as it is seen, so the walk is
 * bounded however the blocks were edited.
 */
@Injectable()
export class ReferenceResolver {
  constructor(private readonly blocks: BlocksService) {}

  /**
   * `tolerant` (reads): a cycle or an over-deep include is left out and an over-large tree cut,
   * instead of refused, so a document whose blocks changed since it was saved stays readable.
   */
  async resolve(roots: Root[], options: { tolerant?: boolean } = {}): Promise<ResolvedRef[]> {
    const tolerant = options.tolerant ?? false;
    const blocks = new Map<string, Block | null>();
    const versions = new Map<string, Version | null>();
    const parsed = new Map<string, Segment[]>();
    const top = roots.map((root) => this.ref(root, [root.blockId]));
    let frontier = top;
    let count = 0;
    while (frontier.length) {
      count += frontier.length;
      if (count > DOCUMENT_LIMITS.maxReferences) {
        if (tolerant) break;
        throw new DocumentsException(
          DocumentsErrorCode.TOO_MANY_REFERENCES,
          `The document resolves to more than ${DOCUMENT_LIMITS.maxReferences} block references (limit: maxReferences)`,
          undefined,
          { limit: 'maxReferences', max: DOCUMENT_LIMITS.maxReferences },
        );
      }
      await this.load(frontier, blocks, versions);
      const next: ResolvedRef[] = [];
      for (const ref of frontier) {
        fill(ref, blocks.get(ref.blockId) ?? null, versions);
        if (!ref.content || !isLiquidType(ref.content.type)) continue;
        const key = `${ref.blockId}@${ref.resolvedVersion}`;
        let parts = parsed.get(key);
        if (!parts) parsed.set(key, (parts = segments(ref.content.text)));
        ref.content.segments = parts;
        for (const part of parts) {
          if (part.kind !== 'include') continue;
          const path = [...ref.path, part.blockId];
          const cycle = ref.path.includes(part.blockId);
          const tooDeep = path.length - 1 > DOCUMENT_LIMITS.maxIncludeDepth;
          if (tolerant && (cycle || tooDeep)) continue;
          if (cycle) {
            throw new DocumentsException(
              DocumentsErrorCode.REFERENCE_CYCLE,
              `Blocks include each other in a cycle: ${path.join(' → ')}`,
              undefined,
              { path },
            );
          }
          if (tooDeep) {
            throw new DocumentsException(
              DocumentsErrorCode.INCLUDE_TOO_DEEP,
              `Includes are nested more than ${DOCUMENT_LIMITS.maxIncludeDepth} deep (limit: maxIncludeDepth)`,
              undefined,
              { path, limit: 'maxIncludeDepth', max: DOCUMENT_LIMITS.maxIncludeDepth },
            );
          }
          const child = this.ref(part, path);
          ref.children.push(child);
          next.push(child);
        }
      }
      frontier = next;
    }
    return top;
  }

  private ref(root: Root, path: string[]): ResolvedRef {
    return {
      blockId: root.blockId,
      pin: root.pin,
      path,
      resolvedVersion: null,
      latestVersion: null,
      stale: false,
      missing: false,
      unknown: false,
      children: [],
    };
  }

  /** The blocks and pinned versions of a level not read yet. */
  private async load(
    refs: ResolvedRef[],
    blocks: Map<string, Block | null>,
    versions: Map<string, Version | null>,
  ): Promise<void> {
    const ids = [...new Set(refs.map((r) => r.blockId))].filter((id) => !blocks.has(id));
    for (const id of ids) blocks.set(id, null);
    for (const block of await this.blocks.findMany(ids)) blocks.set(block.id, block);
    const pins = new Map<string, { id: string; version: number }>();
    for (const ref of refs) {
      if (ref.pin === 'latest') continue;
      const key = `${ref.blockId}@${ref.pin}`;
      if (!versions.has(key) && blocks.get(ref.blockId)) {
        pins.set(key, { id: ref.blockId, version: ref.pin });
      }
    }
    for (const key of pins.keys()) versions.set(key, null);
    for (const v of await this.blocks.findVersions([...pins.values()])) {
      versions.set(`${v.id}@${v.version}`, v);
    }
  }
}

function fill(ref: ResolvedRef, block: Block | null, versions: Map<string, Version | null>): void {
  if (!block) {
    ref.unknown = true;
    ref.missing = true;
    return;
  }
  ref.missing = block.deleted;
  ref.latestVersion = block.deleted ? null : block.version;
  if (ref.pin === 'latest') {
    if (block.deleted) return;
    ref.resolvedVersion = block.version;
    ref.content = { type: block.type, text: block.content, segments: [] };
    return;
  }
  const version = versions.get(`${ref.blockId}@${ref.pin}`);
  if (!version) {
    ref.unknown = true;
    ref.missing = true;
    return;
  }
  if (version.deleted) {
    ref.missing = true;
    return;
  }
  ref.resolvedVersion = ref.pin;
  ref.stale = ref.latestVersion !== null && ref.pin < ref.latestVersion;
  ref.content = { type: version.type, text: version.content, segments: [] };
}

/** Every reference of a tree, depth first in document order. */
export function flatten(refs: ResolvedRef[]): ResolvedRef[] {
  const out: ResolvedRef[] = [];
  const visit = (ref: ResolvedRef) => {
    out.push(ref);
    ref.children.forEach(visit);
  };
  refs.forEach(visit);
  return out;
}
