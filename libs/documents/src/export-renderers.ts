export type { ExportSource, ExportedFile } from '@app/exporters';

/** A file name from a title: ASCII letters and digits joined by dashes, never empty. */
export function slugOf(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  return trimDashes(trimDashes(slug).slice(0, 80)) || 'document';
}

/** Dashes off both ends, by index: a `-+$` pattern backtracks quadratically on a run of dashes. */
function trimDashes(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === '-') start++;
  while (end > start && text[end - 1] === '-') end--;
  return text.slice(start, end);
}
