import type { Block, Inline } from './document-tree';
import { parseDocument } from './document-tree';
import type { ExportSource } from './export-format';

/**
 * Renders the document as plain text: numbered headings, lists with their markers, tables as
 * aligned columns, links as `text <url>`, a page break as a form feed, the TOC as an indented list.
 */
export function renderText(source: ExportSource): string {
  const blocks = parseDocument(source.markdown, source.toc);
  const parts = [`${source.title}\n${'='.repeat(Math.max(3, width(source.title)))}`];
  for (const block of blocks) parts.push(renderBlock(block, source, ''));
  return (
    parts
      .filter((part) => part !== '')
      .join('\n\n')
      .replace(/\n\n\f\n\n/g, '\n\f\n') + '\n'
  );
}

function renderBlock(block: Block, source: ExportSource, indent: string): string {
  switch (block.kind) {
    case 'heading': {
      const text = [block.number, inlines(block.children)].filter(Boolean).join(' ');
      const underline =
        block.level <= 2 ? `\n${(block.level === 1 ? '=' : '-').repeat(width(text))}` : '';
      return indentLines(text + underline, indent);
    }
    case 'paragraph':
      return indentLines(inlines(block.children), indent);
    case 'list':
      return block.items
        .map((item, i) => {
          const marker = block.ordered ? `${block.start + i}.` : '-';
          const pad = ' '.repeat(marker.length + 1);
          const body = item.blocks.map((b) => renderBlock(b, source, '')).join('\n');
          const lines = body.split('\n');
          return lines
            .map((line, n) => indent + (n === 0 ? `${marker} ` : line ? pad : '') + line)
            .join('\n');
        })
        .join('\n');
    case 'table':
      return indentLines(renderTable(block), indent);
    case 'code':
      return indentLines(block.text, indent + '    ');
    case 'quote':
      return block.blocks
        .map((b) => renderBlock(b, source, ''))
        .join('\n\n')
        .split('\n')
        .map((line) => `${indent}> ${line}`.trimEnd())
        .join('\n');
    case 'rule':
      return indent + '-'.repeat(20);
    case 'page-break':
      return '\f';
    case 'toc':
      return source.toc
        .map((entry) =>
          `${indent}${'  '.repeat(Math.max(0, entry.level - 1))}${entry.number} ${entry.text}`.trimEnd(),
        )
        .join('\n');
  }
}

function renderTable(block: Extract<Block, { kind: 'table' }>): string {
  const rows = [block.header, ...block.rows].map((row) =>
    row.map((cell) => inlines(cell).replace(/\n/g, ' ')),
  );
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(1, ...rows.map((row) => width(row[c] ?? ''))),
  );
  const line = (row: string[]) =>
    row
      .concat(Array<string>(columns - row.length).fill(''))
      .map((cell, c) => align(cell, widths[c], block.align[c] ?? ''))
      .join(' | ')
      .trimEnd();
  const separator = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(rows[0]), separator, ...rows.slice(1).map(line)].join('\n');
}

function align(cell: string, size: number, how: string): string {
  const room = size - width(cell);
  if (how === 'right') return ' '.repeat(room) + cell;
  if (how === 'center')
    return ' '.repeat(Math.floor(room / 2)) + cell + ' '.repeat(Math.ceil(room / 2));
  return cell + ' '.repeat(room);
}

/** Width in code points, so accented text lines up. */
function width(text: string): number {
  return [...text].length;
}

function indentLines(text: string, indent: string): string {
  if (!indent) return text;
  return text
    .split('\n')
    .map((line) => (line ? indent + line : line))
    .join('\n');
}

function inlines(children: Inline[]): string {
  return children.map(inline).join('');
}

function inline(node: Inline): string {
  switch (node.kind) {
    case 'text':
    case 'code':
      return node.text;
    case 'strong':
    case 'em':
    case 'strike':
      return inlines(node.children);
    case 'break':
      return node.hard ? '\n' : ' ';
    case 'link': {
      const text = inlines(node.children);
      return node.href && node.href !== text ? `${text} <${node.href}>` : `<${node.href}>`;
    }
    case 'image':
      return node.src ? `${node.alt} <${node.src}>` : node.alt;
  }
}
