/** `{% include_block "<id>" %}` or `{% include_block "<id>" version: 3 %}` on a line of its own. */
const INCLUDE_LINE =
  /^[ \t]*\{%-?[ \t]*include_block[ \t]+"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"(?:[ \t]+version:[ \t]*([1-9][0-9]{0,8}))?[ \t]*-?%\}[ \t]*$/;

export type Segment =
  { kind: 'text'; text: string } | { kind: 'include'; blockId: string; pin: 'latest' | number };

/**
 * Splits a markdown or text block into text and include lines. The pattern is anchored and has
 * no nested quantifiers, so it runs in linear time on any line; lines are at most the block's
 * content. An include anywhere else stays text (and Liquid then refuses the unknown tag).
 */
export function segments(content: string): Segment[] {
  if (!content.includes('include_block')) return [{ kind: 'text', text: content }];
  const out: Segment[] = [];
  let text: string[] = [];
  for (const line of content.split('\n')) {
    const match = line.length <= 200 ? INCLUDE_LINE.exec(line) : null;
    if (!match) {
      text.push(line);
      continue;
    }
    if (text.length) out.push({ kind: 'text', text: text.join('\n') });
    text = [];
    out.push({
      kind: 'include',
      blockId: match[1].toLowerCase(),
      pin: match[2] ? Number(match[2]) : 'latest',
    });
  }
  if (text.length) out.push({ kind: 'text', text: text.join('\n') });
  return out;
}

/** Only these block types are Liquid with includes; HTML blocks are kept as they are. */
export function isLiquidType(type: string): boolean {
  return type === 'markdown' || type === 'text';
}
