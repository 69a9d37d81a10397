import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { defineWorkerTask, WorkerPool } from '@app/workers';
import type { ExportedFile, ExportFormat, ExportSource } from './export-format';
import { ExportersErrorCode, ExportersException } from './exporters.exception';
import { PdfRenderer } from './pdf-renderer';

const htmlTask = defineWorkerTask<ExportSource, string>(__dirname, 'render.worker', 'html');
const textTask = defineWorkerTask<ExportSource, string>(__dirname, 'render.worker', 'text');
const docxTask = defineWorkerTask<ExportSource, Uint8Array>(__dirname, 'render.worker', 'docx');

const CONTENT_TYPES: Record<ExportFormat, { contentType: string; extension: string }> = {
  markdown: { contentType: 'text/markdown; charset=utf-8', extension: 'md' },
  html: { contentType: 'text/html; charset=utf-8', extension: 'html' },
  text: { contentType: 'text/plain; charset=utf-8', extension: 'txt' },
  docx: {
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extension: 'docx',
  },
  pdf: { contentType: 'application/pdf', extension: 'pdf' },
};

/**
 * Turns an assembled document into a file. Conversions run on the worker pool (off the event
 * loop, with its heap cap and a kill timer) after a size check; PDF is the HTML export printed
 * by the shared headless browser.
 */
@Injectable()
export class DocumentExporter {
  constructor(
    private readonly config: AppConfig,
    private readonly pool: WorkerPool,
    private readonly pdf: PdfRenderer,
  ) {}

  /** Refuses, before any work, a format this server cannot produce (PDF without a browser). */
  assertAvailable(format: ExportFormat): void {
    if (format === 'pdf' && !this.pdf.configured) {
      throw new ExportersException(ExportersErrorCode.PDF_RENDERER_NOT_CONFIGURED);
    }
  }

  async export(format: ExportFormat, source: ExportSource): Promise<ExportedFile> {
    const { maxMarkdownBytes, timeoutMs } = this.config.exports;
    const size = Buffer.byteLength(source.markdown) + Buffer.byteLength(source.title);
    if (size > maxMarkdownBytes) {
      throw new ExportersException(
        ExportersErrorCode.EXPORT_TOO_LARGE,
        `The document is ${size} bytes; an export converts at most ${maxMarkdownBytes} bytes (EXPORT_MAX_MARKDOWN_BYTES)`,
      );
    }
    this.assertAvailable(format);
    const input: ExportSource = { title: source.title, markdown: source.markdown, toc: source.toc };
    const body = await this.convert(format, input, timeoutMs);
    return { body, ...CONTENT_TYPES[format] };
  }

  private async convert(
    format: ExportFormat,
    source: ExportSource,
    timeoutMs: number,
  ): Promise<Buffer> {
    switch (format) {
      case 'markdown':
        return Buffer.from(source.markdown, 'utf8');
      case 'html':
        return Buffer.from(await this.pool.run(htmlTask, source, { timeoutMs }), 'utf8');
      case 'text':
        return Buffer.from(await this.pool.run(textTask, source, { timeoutMs }), 'utf8');
      case 'docx': {
        const bytes = await this.pool.run(docxTask, source, { timeoutMs });
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      }
      case 'pdf':
        return this.pdf.render(await this.pool.run(htmlTask, source, { timeoutMs }), source.title);
    }
  }
}
