/**
 * Private-use characters that ts_headline puts around each match in place of `<mark>` tags.
 * They are stripped from the text before ts_headline sees it, so a block holding them cannot
 * forge a mark; everything else is escaped, so a block's own HTML is only ever text.
 */
export const MARK_START = '\uE000';
export const MARK_STOP = '\uE001';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML-escaped text with `<mark>` around the matches and no other markup. */
export function renderHighlight(headline: string): string {
  return headline
    .replace(/[&<>"']/g, (c) => ESCAPES[c])
    .replaceAll(MARK_START, '<mark>')
    .replaceAll(MARK_STOP, '</mark>');
}
