import { createTwoFilesPatch } from 'diff';

/** Largest content diff computed (in changed lines); beyond it the diff is a whole replacement. */
const MAX_DIFF_EDIT_LENGTH = 2000;

interface Side {
  version: number;
  content: string;
}

/** What the diff worker receives. */
export interface ContentDiffInput {
  from: Side;
  to: Side;
}

/** A unified diff of the content; a whole replacement when the edit is too large to compute. */
export function contentDiff(
  a: { version: number; content: string },
  b: { version: number; content: string },
): string {
  if (a.content === b.content) return '';
  const from = `v${a.version}`;
  const to = `v${b.version}`;
  const patch = createTwoFilesPatch(from, to, a.content, b.content, undefined, undefined, {
    maxEditLength: MAX_DIFF_EDIT_LENGTH,
  });
  if (patch !== undefined) return patch.replace(/^=+\n/, '');
  const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const oldLines = lines(a.content);
  const newLines = lines(b.content);
  return [
    `--- ${from}`,
    `+++ ${to}`,
    `@@ -1,${oldLines.length} +1,${newLines.length} @@`,
    ...oldLines.map((l) => `-${l}`),
    ...newLines.map((l) => `+${l}`),
    '',
  ].join('\n');
}
