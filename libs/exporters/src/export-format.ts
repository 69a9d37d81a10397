/** The formats an assembled document can be exported to. */
export const EXPORT_FORMATS = ['markdown', 'html', 'text', 'docx', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One entry of the server-side table of contents, numbered once so every format agrees. */
export interface TocEntry {
  level: number;
  text: string;
  number: string;
}

/** An assembled document: its title, its Markdown (CommonMark + GFM tables) and its numbering. */
export interface ExportSource {
  title: string;
  markdown: string;
  toc: TocEntry[];
}

export interface ExportedFile {
  body: Buffer;
  contentType: string;
  extension: string;
}
