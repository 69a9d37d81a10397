import MarkdownIt, { type StateBlock } from 'markdown-it';
import { isSafeUrl } from './safe-url';

/** Token types the marker rule emits for the assembly's `toc` and `page-break` nodes. */
export const TOC_TOKEN = 'cb_toc';
export const PAGE_BREAK_TOKEN = 'cb_page_break';

const MARKERS: Record<string, string> = {
  '<!-- toc -->': TOC_TOKEN,
  '<!-- page-break -->': PAGE_BREAK_TOKEN,
};

/**
 * The one Markdown parser of every format, so HTML, text and DOCX read the same tree. Raw HTML is
 * off (shown as text, never passed through); the only comments understood are the two marker lines
 * the assembler writes on a line of their own. Links are checked against an allowlist of schemes
 * after markdown-it decodes entities, so `jav&#x61;script:` is judged as `javascript:`.
 */
export function createMarkdownParser(): MarkdownIt.MarkdownIt {
  const md = new MarkdownIt('default', { html: false, linkify: false, typographer: false });
  md.validateLink = isSafeUrl;
  md.block.ruler.before('fence', 'cb_marker', markerRule, {
    alt: ['paragraph', 'reference', 'blockquote', 'list'],
  });
  return md;
}

function markerRule(state: StateBlock, startLine: number, _endLine: number, silent: boolean) {
  // A marker indented as code is code, not a marker.
  if (state.sCount[startLine] - state.blkIndent >= 4) return false;
  const start = state.bMarks[startLine] + state.tShift[startLine];
  const line = state.src.slice(start, state.eMarks[startLine]).trim();
  const type = MARKERS[line];
  if (!type) return false;
  if (silent) return true;
  const token = state.push(type, '', 0);
  token.map = [startLine, startLine + 1];
  token.block = true;
  state.line = startLine + 1;
  return true;
}
