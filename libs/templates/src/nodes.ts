import { type FieldError, isUuid } from '@app/common';

export interface HeadingNode {
  kind: 'heading';
  text: string;
  level: number;
}
export interface TextNode {
  kind: 'text';
  markdown: string;
}
export interface BlockNode {
  kind: 'block';
  blockId: string;
  pin: 'latest' | number;
  headingOffset?: number;
  when?: Record<string, string[]>;
}
export interface TocNode {
  kind: 'toc';
}
export interface PageBreakNode {
  kind: 'page-break';
}
export interface SlotNode {
  kind: 'slot';
  name: string;
}

/** What a document is made of. */
export type ContentNode = HeadingNode | TextNode | BlockNode | TocNode | PageBreakNode;
/** What a template is made of: content nodes and named slots a document fills. */
export type TemplateNode = ContentNode | SlotNode;

export const NODE_LIMITS = {
  maxHeadingLength: 500,
  maxTextBytes: 1_048_576,
  maxWhenAttributes: 16,
  maxWhenValues: 32,
  maxWhenValueLength: 100,
};

export const SLOT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

const KEYS: Record<string, string[]> = {
  heading: ['kind', 'text', 'level'],
  text: ['kind', 'markdown'],
  block: ['kind', 'blockId', 'pin', 'headingOffset', 'when'],
  toc: ['kind'],
  'page-break': ['kind'],
  slot: ['kind', 'name'],
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a node list field by field (the DTO layer cannot discriminate on `kind`), so every
 * mistake comes back at once as a 400 with its path. Unknown members are refused as elsewhere.
 */
export function nodeErrors(nodes: unknown, field: string, allowSlots: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (!Array.isArray(nodes)) return [{ field, message: 'must be an array of nodes' }];
  nodes.forEach((node, index) => {
    const at = `${field}[${index}]`;
    const fail = (name: string | null, message: string) =>
      errors.push({ field: name ? `${at}.${name}` : at, message });
    if (!isObject(node)) return fail(null, 'must be an object');
    const kind = node.kind;
    if (typeof kind !== 'string' || !KEYS[kind] || (kind === 'slot' && !allowSlots)) {
      return fail(
        'kind',
        `must be one of heading, text, block, toc, page-break${allowSlots ? ', slot' : ''}`,
      );
    }
    for (const key of Object.keys(node)) {
      if (!KEYS[kind].includes(key)) fail(key, `is not a member of a ${kind} node`);
    }
    switch (kind) {
      case 'heading':
        if (typeof node.text !== 'string' || !node.text.trim())
          fail('text', 'must be a non-empty string');
        else if (node.text.length > NODE_LIMITS.maxHeadingLength || /[\r\n]/.test(node.text)) {
          fail('text', `must be one line of at most ${NODE_LIMITS.maxHeadingLength} characters`);
        }
        if (
          !Number.isInteger(node.level) ||
          (node.level as number) < 1 ||
          (node.level as number) > 6
        ) {
          fail('level', 'must be an integer from 1 to 6');
        }
        break;
      case 'text':
        if (typeof node.markdown !== 'string') fail('markdown', 'must be a string');
        else if (Buffer.byteLength(node.markdown) > NODE_LIMITS.maxTextBytes) {
          fail('markdown', `must be at most ${NODE_LIMITS.maxTextBytes} bytes`);
        }
        break;
      case 'block':
        if (!isUuid(node.blockId)) fail('blockId', 'must be a UUID');
        if (node.pin !== 'latest' && !(Number.isInteger(node.pin) && (node.pin as number) >= 1)) {
          fail('pin', 'must be "latest" or a version number (1 or more)');
        }
        if (
          node.headingOffset !== undefined &&
          !(
            Number.isInteger(node.headingOffset) &&
            (node.headingOffset as number) >= 0 &&
            (node.headingOffset as number) <= 5
          )
        ) {
          fail('headingOffset', 'must be an integer from 0 to 5');
        }
        if (node.when !== undefined)
          whenErrors(node.when).forEach((message) => fail('when', message));
        break;
      case 'slot':
        if (typeof node.name !== 'string' || !SLOT_NAME.test(node.name)) {
          fail('name', 'must be 1..64 letters, digits, _ or -, starting with a letter');
        }
        break;
    }
  });
  return errors;
}

function whenErrors(when: unknown): string[] {
  if (!isObject(when)) return ['must be an object of attribute → list of values'];
  const entries = Object.entries(when);
  if (entries.length > NODE_LIMITS.maxWhenAttributes) {
    return [`must have at most ${NODE_LIMITS.maxWhenAttributes} attributes`];
  }
  const errors: string[] = [];
  for (const [attribute, values] of entries) {
    if (!ATTRIBUTE.test(attribute))
      errors.push(`attribute "${attribute.slice(0, 64)}" is not a valid name`);
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      values.length > NODE_LIMITS.maxWhenValues ||
      values.some((v) => typeof v !== 'string' || v.length > NODE_LIMITS.maxWhenValueLength)
    ) {
      errors.push(
        `${attribute.slice(0, 64)} must list 1..${NODE_LIMITS.maxWhenValues} strings of at most ${NODE_LIMITS.maxWhenValueLength} characters`,
      );
    }
  }
  return errors;
}

/** The Liquid sources of a node list, with the index of the node each comes from. */
export function liquidSources(nodes: TemplateNode[]): { index: number; source: string }[] {
  const sources: { index: number; source: string }[] = [];
  nodes.forEach((node, index) => {
    if (node.kind === 'heading') sources.push({ index, source: node.text });
    if (node.kind === 'text') sources.push({ index, source: node.markdown });
  });
  return sources;
}

/** Block ids in one spelling (lower case), so containment queries and comparisons match. */
export function normaliseNodes<T extends TemplateNode>(nodes: T[]): T[] {
  return nodes.map((node) =>
    node.kind === 'block' ? { ...node, blockId: node.blockId.toLowerCase() } : node,
  );
}
