import { loadConfig } from '@app/config';
import type { WorkerPool } from '@app/workers';
import { DocumentExporter } from './document-exporter';
import { ExportersErrorCode } from './exporters.exception';
import { PdfRenderer } from './pdf-renderer';

function exporterWith(env: Record<string, string>) {
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp', ...env });
  const run = jest.fn();
  const pool = { run } as unknown as WorkerPool;
  return { exporter: new DocumentExporter(config, pool, new PdfRenderer(config)), run };
}

describe('DocumentExporter', () => {
  it('exports Markdown as the source bytes, without a worker', async () => {
    const { exporter, run } = exporterWith({});
    const markdown = '# Tïtle\r\n\n<!-- toc -->\n';
    const file = await exporter.export('markdown', { title: 't', markdown, toc: [] });
    expect(file.body.equals(Buffer.from(markdown, 'utf8'))).toBe(true);
    expect(file).toMatchObject({ contentType: 'text/markdown; charset=utf-8', extension: 'md' });
    expect(run).not.toHaveBeenCalled();
  });

  it('refuses a document over EXPORT_MAX_MARKDOWN_BYTES with a 413 naming the limit', async () => {
    const { exporter, run } = exporterWith({ EXPORT_MAX_MARKDOWN_BYTES: '2048' });
    const error = await exporter
      .export('docx', { title: 't', markdown: 'x'.repeat(2048), toc: [] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413, reason: ExportersErrorCode.EXPORT_TOO_LARGE });
    expect(String((error as Error).message) + JSON.stringify(error)).toContain(
      'EXPORT_MAX_MARKDOWN_BYTES',
    );
    expect(run).not.toHaveBeenCalled();
  });

  it('answers pdf with a 501 when PDF_CHROMIUM_PATH is unset, before any work', async () => {
    const { exporter, run } = exporterWith({});
    const error = await exporter
      .export('pdf', { title: 't', markdown: 'x', toc: [] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 501,
      reason: ExportersErrorCode.PDF_RENDERER_NOT_CONFIGURED,
    });
    expect(run).not.toHaveBeenCalled();
  });
});
