import type { Block, Inline } from './document-tree';
import { parseDocument } from './document-tree';
import type { ExportSource } from './export-format';
import { isSafeUrl } from './safe-url';

/**
 * No script may run and nothing may load but images and the inline style: the output is safe to
 * open even if a tag slipped through (it cannot: every tag below is written here, every text and
 * attribute escaped, every URL checked again).
 */
const CSP =
  "default-src 'none'; img-src http: https:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const CSS = `body{font-family:Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#111}
h1,h2,h3,h4,h5,h6{font-family:Helvetica,Arial,sans-serif;line-height:1.2}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left}
pre{background:#f4f4f4;padding:.75rem;overflow-x:auto}code{font-family:Menlo,Consolas,monospace}
blockquote{border-left:3px solid #ccc;margin-left:0;padding-left:1rem;color:#444}
nav.toc ol{list-style:none;padding-left:1.25rem}nav.toc>ol{padding-left:0}
.page-break{break-after:page;page-break-after:always;height:0}
@media print{body{margin:0;max-width:none}}`;

/**
 * Renders the document as a standalone HTML page. The tree is the sanitiser's allowlist: only the
 * node kinds it knows exist, raw HTML from the source arrived as text and is escaped here.
 */
export function renderHtml(source: ExportSource): string {
  const blocks = parseDocument(source.markdown, source.toc);
  const title = escapeHtml(source.title);
  const body = blocks.map((block) => renderBlock(block, source)).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function renderBlock(block: Block, source: ExportSource): string {
  switch (block.kind) {
    case 'heading': {
      const number = block.number ? `<span class="number">${escapeHtml(block.number)}</span> ` : '';
      return `<h${block.level}>${number}${renderInlines(block.children)}</h${block.level}>`;
    }
    case 'paragraph':
      return block.tight
        ? renderInlines(block.children)
        : `<p>${renderInlines(block.children)}</p>`;
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul';
      const start = block.ordered && block.start !== 1 ? ` start="${block.start}"` : '';
      const items = block.items
        .map((item) => `<li>${item.blocks.map((b) => renderBlock(b, source)).join('\n')}</li>`)
        .join('\n');
      return `<${tag}${start}>\n${items}\n</${tag}>`;
    }
    case 'table': {
      const style = (i: number) => (block.align[i] ? ` style="text-align:${block.align[i]}"` : '');
      const head = block.header.map((cell, i) => `<th${style(i)}>${renderInlines(cell)}</th>`);
      const rows = block.rows.map(
        (row) =>
          `<tr>${row.map((cell, i) => `<td${style(i)}>${renderInlines(cell)}</td>`).join('')}</tr>`,
      );
      return `<table>\n<thead><tr>${head.join('')}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
    }
    case 'code':
      return `<pre><code>${escapeHtml(block.text)}</code></pre>`;
    case 'quote':
      return `<blockquote>\n${block.blocks.map((b) => renderBlock(b, source)).join('\n')}\n</blockquote>`;
    case 'rule':
      return '<hr>';
    case 'page-break':
      return '<div class="page-break"></div>';
    case 'toc': {
      const items = source.toc.map(
        (entry) =>
          `<li class="toc-level-${Math.min(6, Math.max(1, Math.trunc(entry.level)))}">${escapeHtml(`${entry.number} ${entry.text}`.trim())}</li>`,
      );
      return `<nav class="toc" aria-label="Contents">\n<ol>\n${items.join('\n')}\n</ol>\n</nav>`;
    }
  }
}

function renderInlines(children: Inline[]): string {
  return children.map(renderInline).join('');
}

function renderInline(inline: Inline): string {
  switch (inline.kind) {
    case 'text':
      return escapeHtml(inline.text);
    case 'code':
      return `<code>${escapeHtml(inline.text)}</code>`;
    case 'strong':
      return `<strong>${renderInlines(inline.children)}</strong>`;
    case 'em':
      return `<em>${renderInlines(inline.children)}</em>`;
    case 'strike':
      return `<s>${renderInlines(inline.children)}</s>`;
    case 'break':
      return inline.hard ? '<br>\n' : '\n';
    case 'link':
      if (!isSafeUrl(inline.href)) return renderInlines(inline.children);
      return `<a href="${escapeHtml(inline.href)}" rel="noopener noreferrer nofollow">${renderInlines(inline.children)}</a>`;
    case 'image':
      if (!isSafeUrl(inline.src) || !inline.src) return escapeHtml(inline.alt);
      return `<img src="${escapeHtml(inline.src)}" alt="${escapeHtml(inline.alt)}">`;
  }
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
