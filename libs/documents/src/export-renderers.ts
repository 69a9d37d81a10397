import type { TocEntry } from '@app/templates';
import type { ExportFormat } from './dto/assembly.dto';
import { DocumentsErrorCode, DocumentsException } from './documents.exception';

/** What every export format is made from: one stored assembly. */
export interface ExportSource {
  title: string;
  /** The assembled Markdown, exactly as stored. */
  markdown: string;
  /** Headings with their numbers, as the assembly computed them. */
  toc: TocEntry[];
}

export interface ExportedFile {
  body: Buffer;
  contentType: string;
  /** File name extension, without the dot. */
  extension: string;
}

/**
 * The one function that turns an assembly into a file. Markdown is the stored bytes; the other
 * formats need the exporters library, which is wired in here (until then they are a 501).
 */
export async function renderExport(
  format: ExportFormat,
  source: ExportSource,
): Promise<ExportedFile> {
  switch (format) {
    case 'markdown':
      return {
        body: Buffer.from(source.markdown, 'utf8'),
        contentType: 'text/markdown; charset=utf-8',
        extension: 'md',
      };
    default:
      return Promise.reject(notAvailable(format));
  }
}

export function notAvailable(format: ExportFormat): DocumentsException {
  return new DocumentsException(
    DocumentsErrorCode.EXPORT_FORMAT_NOT_AVAILABLE,
    `Export to ${format} has no renderer on this server yet; markdown is available`,
    undefined,
    { format },
  );
}

/** A file name from a title: ASCII letters and digits joined by dashes, never empty. */
export function slugOf(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug || 'document';
}
