import {
  AlignmentType,
  Document,
  ExternalHyperlink,
  Footer,
  Header,
  HeadingLevel,
  LevelFormat,
  Packer,
  PageBreak,
  PageNumber,
  Paragraph,
  type ParagraphChild,
  Table,
  TableCell,
  TableOfContents,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import type { Block, Inline } from './document-tree';
import { parseDocument } from './document-tree';
import type { ExportSource } from './export-format';
import { isRemoteUrl, isSafeUrl } from './safe-url';
import { canonicalDocx } from './docx-canonical';

const HEADINGS = [
  HeadingLevel.HEADING_1,
  HeadingLevel.HEADING_2,
  HeadingLevel.HEADING_3,
  HeadingLevel.HEADING_4,
  HeadingLevel.HEADING_5,
  HeadingLevel.HEADING_6,
] as const;

const NUMBERED = 'cb-numbered';
const BULLETED = 'cb-bulleted';
const BULLETS = ['\u2022', '\u25e6', '\u25aa'];

/**
 * A fixed instant for the package's created/modified dates: docx stamps `new Date()`, and the
 * same assembly must export the same bytes.
 */
const FIXED_DATE = '2000-01-01T00:00:00Z';

/**
 * Renders the document as DOCX with real heading styles, Word numbering for lists, tables,
 * hyperlinks, a TOC field, the title in the header and page numbers in the footer. Images are
 * never fetched: a remote image becomes its alt text linked to its URL.
 */
export async function renderDocx(source: ExportSource): Promise<Buffer> {
  const blocks = parseDocument(source.markdown, source.toc);
  const state: RenderState = { numberedLists: 0 };
  const children = blocks.flatMap((block) => renderBlock(block, 0, state));
  const document = new Document({
    title: stripXmlInvalid(source.title),
    creator: 'Content Blocks',
    features: { updateFields: true },
    numbering: { config: numberingConfig() },
    sections: [
      {
        headers: {
          default: new Header({
            children: [new Paragraph({ children: [new TextRun(stripXmlInvalid(source.title))] })],
          }),
        },
        footers: {
          default: new Footer({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                children: [
                  new TextRun({
                    children: ['Page ', PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES],
                  }),
                ],
              }),
            ],
          }),
        },
        children,
      },
    ],
  });
  const zip = await Packer.toBuffer(document, false, [
    { path: 'docProps/core.xml', data: coreXml(source.title) },
  ]);
  return canonicalDocx(zip);
}

interface RenderState {
  /** Each numbered list is its own instance, so each starts again at its first number. */
  numberedLists: number;
}

type DocxBlock = Paragraph | Table | TableOfContents;

function renderBlock(block: Block, depth: number, state: RenderState, indentLeft = 0): DocxBlock[] {
  const indent = indentLeft ? { left: indentLeft } : undefined;
  switch (block.kind) {
    case 'heading': {
      const number = block.number ? [new TextRun(`${block.number} `)] : [];
      return [
        new Paragraph({
          heading: HEADINGS[block.level - 1],
          children: [...number, ...runs(block.children)],
        }),
      ];
    }
    case 'paragraph':
      return [new Paragraph({ indent, children: runs(block.children) })];
    case 'list':
      return renderList(block, depth, state);
    case 'table':
      return [renderTable(block)];
    case 'code':
      return block.text
        .split('\n')
        .map(
          (line) =>
            new Paragraph({ indent, children: [new TextRun({ text: line, font: 'Courier New' })] }),
        );
    case 'quote':
      return block.blocks.flatMap((b) => renderBlock(b, depth, state, indentLeft + 720));
    case 'rule':
      return [new Paragraph({ thematicBreak: true, children: [] })];
    case 'page-break':
      return [new Paragraph({ children: [new PageBreak()] })];
    case 'toc':
      return [new TableOfContents('Contents', { hyperlink: true, headingStyleRange: '1-6' })];
  }
}

function renderList(
  block: Extract<Block, { kind: 'list' }>,
  depth: number,
  state: RenderState,
): DocxBlock[] {
  const level = Math.min(depth, 8);
  const instance = block.ordered ? ++state.numberedLists : 0;
  const out: DocxBlock[] = [];
  for (const item of block.items) {
    let first = true;
    for (const child of item.blocks) {
      if (child.kind === 'list') {
        out.push(...renderList(child, depth + 1, state));
        continue;
      }
      if (first && child.kind === 'paragraph') {
        out.push(
          new Paragraph({
            numbering: block.ordered
              ? { reference: NUMBERED, level, instance }
              : { reference: BULLETED, level },
            children: runs(child.children),
          }),
        );
      } else {
        // A second paragraph of an item is indented under it, not numbered again.
        out.push(...renderBlock(child, depth + 1, state, 720 * (level + 1)));
      }
      first = false;
    }
  }
  return out;
}

function renderTable(block: Extract<Block, { kind: 'table' }>): Table {
  const columns = Math.max(block.header.length, ...block.rows.map((row) => row.length));
  const alignment = (i: number) =>
    ({
      left: AlignmentType.LEFT,
      center: AlignmentType.CENTER,
      right: AlignmentType.RIGHT,
      '': undefined,
    })[block.align[i] ?? ''];
  const cell = (content: Inline[], header: boolean, i: number) =>
    new TableCell({
      children: [
        new Paragraph({ alignment: alignment(i), children: runs(content, { bold: header }) }),
      ],
    });
  const row = (cells: Inline[][], header: boolean) =>
    new TableRow({
      tableHeader: header,
      children: Array.from({ length: columns }, (_, i) => cell(cells[i] ?? [], header, i)),
    });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [row(block.header, true), ...block.rows.map((cells) => row(cells, false))],
  });
}

interface RunStyle {
  bold?: boolean;
  italics?: boolean;
  strike?: boolean;
  code?: boolean;
  link?: boolean;
}

function runs(children: Inline[], style: RunStyle = {}): ParagraphChild[] {
  return children.flatMap((child) => run(child, style));
}

function textRun(text: string, style: RunStyle): TextRun {
  return new TextRun({
    text: stripXmlInvalid(text),
    bold: style.bold,
    italics: style.italics,
    strike: style.strike,
    font: style.code ? 'Courier New' : undefined,
    style: style.link ? 'Hyperlink' : undefined,
  });
}

function run(node: Inline, style: RunStyle): ParagraphChild[] {
  switch (node.kind) {
    case 'text':
      return [textRun(node.text, style)];
    case 'code':
      return [textRun(node.text, { ...style, code: true })];
    case 'strong':
      return runs(node.children, { ...style, bold: true });
    case 'em':
      return runs(node.children, { ...style, italics: true });
    case 'strike':
      return runs(node.children, { ...style, strike: true });
    case 'break':
      return node.hard ? [new TextRun({ break: 1 })] : [textRun(' ', style)];
    case 'link':
      if (!isSafeUrl(node.href) || style.link) return runs(node.children, style);
      return [
        new ExternalHyperlink({
          link: node.href,
          children: runs(node.children, { ...style, link: true }),
        }),
      ];
    case 'image':
      // Never fetched: a remote image is its alt text, linked to where it lives.
      if (node.src && isRemoteUrl(node.src) && isSafeUrl(node.src) && !style.link) {
        return [
          new ExternalHyperlink({
            link: node.src,
            children: [textRun(node.alt || node.src, { ...style, link: true })],
          }),
        ];
      }
      return node.alt ? [textRun(node.alt, style)] : [];
  }
}

function numberingConfig() {
  const indent = (level: number) => ({ left: 720 * (level + 1), hanging: 360 });
  const numbered = {
    reference: NUMBERED,
    levels: Array.from({ length: 9 }, (_, level) => ({
      level,
      format: LevelFormat.DECIMAL,
      text: `%${level + 1}.`,
      alignment: AlignmentType.START,
      style: { paragraph: { indent: indent(level) } },
    })),
  };
  const bulleted = {
    reference: BULLETED,
    levels: Array.from({ length: 9 }, (_, level) => ({
      level,
      format: LevelFormat.BULLET,
      text: BULLETS[level % BULLETS.length],
      alignment: AlignmentType.START,
      style: { paragraph: { indent: indent(level) } },
    })),
  };
  return [numbered, bulleted];
}

function coreXml(title: string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>${escapeXml(stripXmlInvalid(title))}</dc:title><dc:creator>Content Blocks</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">${FIXED_DATE}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${FIXED_DATE}</dcterms:modified></cp:coreProperties>`;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** XML 1.0 cannot carry these control characters at all, even escaped: Word would refuse the file. */
function stripXmlInvalid(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}
