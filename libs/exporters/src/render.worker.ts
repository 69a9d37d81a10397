import { renderDocx } from './docx-renderer';
import type { ExportSource } from './export-format';
import { renderHtml } from './html-renderer';
import { renderText } from './text-renderer';

// Entry points run on the worker pool's threads: parsing and rendering a large document takes
// long enough to stall the event loop. Buffers cross back as Uint8Array (structured clone).

export function html(source: ExportSource): string {
  return renderHtml(source);
}

export function text(source: ExportSource): string {
  return renderText(source);
}

export async function docx(source: ExportSource): Promise<Uint8Array> {
  return renderDocx(source);
}
