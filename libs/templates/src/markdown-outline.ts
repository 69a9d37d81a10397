/** One heading of an assembled document, numbered the same way in every export format. */
export interface TocEntry {
  level: number;
  text: string;
  /** "1", "1.2", "2.1.3": counted from the shallowest heading level the document uses. */
  number: string;
}

const ATX = /^(#{1,6})[ \t](.*)$/;

/** A heading's text without its closing `#`s and trailing blanks, by index (no backtracking). */
function headingText(raw: string): string {
  const blanks = (text: string) => {
    let end = text.length;
    while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
    return text.slice(0, end);
  };
  let text = blanks(raw);
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  text = blanks(text.slice(0, end));
  return text;
}
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/** Calls `visit` for each ATX heading line outside fenced code; its return replaces the line. */
function mapHeadings(
  markdown: string,
  visit: (level: number, text: string) => string | undefined,
): string {
  const lines = markdown.split('\n');
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const fenceMatch = FENCE.exec(lines[i]);
    if (fenceMatch) {
      const marker = fenceMatch[1];
      if (fence === null) fence = marker[0].repeat(marker.length);
      else if (marker.startsWith(fence)) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const heading = ATX.exec(lines[i]);
    if (!heading) continue;
    const replaced = visit(heading[1].length, headingText(heading[2].replace(/^[ \t]+/, '')));
    if (replaced !== undefined) lines[i] = replaced;
  }
  return lines.join('\n');
}

/** Moves every heading `offset` levels deeper (at most level 6): a block nested under a section. */
export function offsetHeadings(markdown: string, offset: number): string {
  if (offset <= 0) return markdown;
  return mapHeadings(
    markdown,
    (level, text) => `${'#'.repeat(Math.min(6, level + offset))} ${text}`,
  );
}

/** The headings of a document, numbered; with `prefix` the numbers are written into the markdown. */
export function outline(markdown: string, prefix: boolean): { markdown: string; toc: TocEntry[] } {
  const levels: number[] = [];
  mapHeadings(markdown, (level) => {
    levels.push(level);
    return undefined;
  });
  const top = levels.length ? Math.min(...levels) : 1;
  const counters = [0, 0, 0, 0, 0, 0, 0];
  const toc: TocEntry[] = [];
  const numbered = mapHeadings(markdown, (level, text) => {
    counters[level]++;
    for (let deeper = level + 1; deeper <= 6; deeper++) counters[deeper] = 0;
    const number = counters.slice(top, level + 1).join('.');
    toc.push({ level, text, number });
    return prefix ? `${'#'.repeat(level)} ${number} ${text}` : undefined;
  });
  return { markdown: numbered, toc };
}

/** The table of contents as a nested Markdown list. */
export function tocMarkdown(toc: TocEntry[]): string {
  if (!toc.length) return '';
  const top = Math.min(...toc.map((entry) => entry.level));
  return toc
    .map((entry) => `${'  '.repeat(entry.level - top)}- ${entry.number} ${entry.text}`)
    .join('\n');
}
