import type { Token } from 'markdown-it';
import type { TocEntry } from './export-format';
import { createMarkdownParser, PAGE_BREAK_TOKEN, TOC_TOKEN } from './markdown-parser';

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'em'; children: Inline[] }
  | { kind: 'strike'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] }
  | { kind: 'image'; src: string; alt: string }
  | { kind: 'break'; hard: boolean };

export interface ListItem {
  blocks: Block[];
}

export type Block =
  | { kind: 'heading'; level: number; number?: string; children: Inline[] }
  /** `tight`: a paragraph of a tight list item, written without paragraph spacing. */
  | { kind: 'paragraph'; tight: boolean; children: Inline[] }
  | { kind: 'list'; ordered: boolean; start: number; items: ListItem[] }
  | {
      kind: 'table';
      header: Inline[][];
      rows: Inline[][][];
      align: Array<'left' | 'center' | 'right' | ''>;
    }
  | { kind: 'code'; text: string }
  | { kind: 'quote'; blocks: Block[] }
  | { kind: 'rule' }
  | { kind: 'toc' }
  | { kind: 'page-break' };

const parser = createMarkdownParser();

/**
 * Parses the assembled Markdown once into a small tree that the text and DOCX renderers walk, so
 * both read exactly what the HTML renderer reads. Headings get their number from the server-side
 * TOC, matched in order by level and text.
 */
export function parseDocument(markdown: string, toc: TocEntry[]): Block[] {
  const tokens = parser.parse(markdown, {});
  const blocks = new BlockReader(tokens).readUntil(null);
  numberHeadings(blocks, toc);
  return blocks;
}

/** The plain text of inline content, as a reader would say it. */
export function inlineText(children: Inline[]): string {
  return children
    .map((child) => {
      switch (child.kind) {
        case 'text':
        case 'code':
          return child.text;
        case 'image':
          return child.alt;
        case 'break':
          return child.hard ? '\n' : ' ';
        default:
          return inlineText(child.children);
      }
    })
    .join('');
}

/** Numbers headings from the TOC: the i-th TOC entry names the next heading with its level and text. */
export function numberHeadings(blocks: Block[], toc: TocEntry[]): void {
  let next = 0;
  for (const block of blocks) {
    if (block.kind !== 'heading' || next >= toc.length) continue;
    const entry = toc[next];
    if (entry.level === block.level && entry.text.trim() === inlineText(block.children).trim()) {
      block.number = entry.number;
      next++;
    }
  }
}

class BlockReader {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  /** Reads blocks until the closing token `close` (or the end). */
  readUntil(close: string | null): Block[] {
    const blocks: Block[] = [];
    while (this.at < this.tokens.length) {
      const token = this.tokens[this.at];
      if (close && token.type === close) {
        this.at++;
        return blocks;
      }
      const block = this.readBlock(token);
      if (block) blocks.push(block);
    }
    return blocks;
  }

  private readBlock(token: Token): Block | null {
    switch (token.type) {
      case 'heading_open': {
        const inline = this.tokens[this.at + 1];
        this.at += 3;
        return { kind: 'heading', level: Number(token.tag.slice(1)), children: readInline(inline) };
      }
      case 'paragraph_open': {
        const inline = this.tokens[this.at + 1];
        this.at += 3;
        return { kind: 'paragraph', tight: token.hidden, children: readInline(inline) };
      }
      case 'bullet_list_open':
      case 'ordered_list_open': {
        this.at++;
        const ordered = token.type === 'ordered_list_open';
        const start = Number(token.attrGet('start') ?? 1);
        const closing = ordered ? 'ordered_list_close' : 'bullet_list_close';
        const items: ListItem[] = [];
        while (this.at < this.tokens.length && this.tokens[this.at].type !== closing) {
          this.at++; // list_item_open
          items.push({ blocks: this.readUntil('list_item_close') });
        }
        this.at++;
        return { kind: 'list', ordered, start, items };
      }
      case 'blockquote_open':
        this.at++;
        return { kind: 'quote', blocks: this.readUntil('blockquote_close') };
      case 'fence':
      case 'code_block':
        this.at++;
        return { kind: 'code', text: token.content.replace(/\n$/, '') };
      case 'hr':
        this.at++;
        return { kind: 'rule' };
      case TOC_TOKEN:
        this.at++;
        return { kind: 'toc' };
      case PAGE_BREAK_TOKEN:
        this.at++;
        return { kind: 'page-break' };
      case 'table_open':
        return this.readTable();
      default:
        this.at++;
        return null;
    }
  }

  private readTable(): Block {
    const header: Inline[][] = [];
    const rows: Inline[][][] = [];
    const align: Array<'left' | 'center' | 'right' | ''> = [];
    let row: Inline[][] | null = null;
    let inHead = false;
    for (this.at++; this.at < this.tokens.length; this.at++) {
      const token = this.tokens[this.at];
      if (token.type === 'table_close') break;
      if (token.type === 'thead_open') inHead = true;
      else if (token.type === 'thead_close') inHead = false;
      else if (token.type === 'tr_open') row = [];
      else if (token.type === 'tr_close' && row && !inHead) rows.push(row);
      else if (token.type === 'th_open' || token.type === 'td_open') {
        if (inHead) align.push(alignOf(token));
        const cell = readInline(this.tokens[this.at + 1]);
        (inHead ? header : (row ?? [])).push(cell);
      }
    }
    this.at++;
    return { kind: 'table', header, rows, align };
  }
}

function alignOf(token: Token): 'left' | 'center' | 'right' | '' {
  const style = String(token.attrGet('style') ?? '');
  const match = /text-align:(left|center|right)/.exec(style);
  return match ? (match[1] as 'left' | 'center' | 'right') : '';
}

function readInline(token: Token | undefined): Inline[] {
  const root: Inline[] = [];
  const stack: Inline[][] = [root];
  const top = () => stack[stack.length - 1];
  for (const child of token?.children ?? []) {
    switch (child.type) {
      case 'text':
        top().push({ kind: 'text', text: child.content });
        break;
      case 'code_inline':
        top().push({ kind: 'code', text: child.content });
        break;
      case 'softbreak':
        top().push({ kind: 'break', hard: false });
        break;
      case 'hardbreak':
        top().push({ kind: 'break', hard: true });
        break;
      case 'image':
        top().push({ kind: 'image', src: String(child.attrGet('src') ?? ''), alt: child.content });
        break;
      case 'strong_open':
      case 'em_open':
      case 's_open':
      case 'link_open': {
        const children: Inline[] = [];
        const kind =
          child.type === 'strong_open'
            ? 'strong'
            : child.type === 'em_open'
              ? 'em'
              : child.type === 's_open'
                ? 'strike'
                : 'link';
        top().push(
          kind === 'link'
            ? { kind, href: String(child.attrGet('href') ?? ''), children }
            : { kind, children },
        );
        stack.push(children);
        break;
      }
      case 'strong_close':
      case 'em_close':
      case 's_close':
      case 'link_close':
        if (stack.length > 1) stack.pop();
        break;
      default:
        // Anything else (none with html off) is kept as its text.
        if (child.content) top().push({ kind: 'text', text: child.content });
    }
  }
  return root;
}
