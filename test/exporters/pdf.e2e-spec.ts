import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ExportersErrorCode } from '@app/exporters';
import { requireTool, run } from '../deploy/tools';
import { chromiumPath } from './chromium';
import { FIXTURE } from './export-fixture';
import {
  countingServer,
  exporterHarness,
  type CountingServer,
  type Harness,
} from './exporter-harness';

describe('the PDF export, printed by headless Chromium and read by poppler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-pdf-'));
  let harness: Harness;
  let server: CountingServer;

  beforeAll(async () => {
    harness = exporterHarness({
      PDF_CHROMIUM_PATH: chromiumPath(),
      EXPORT_PDF_MAX_CONCURRENCY: '1',
    });
    server = await countingServer();
  });
  afterAll(async () => {
    await server?.close();
    await harness?.close();
  });

  function readPdf(body: Buffer, name: string): { pages: number; text: string } {
    const file = join(dir, name);
    writeFileSync(file, body);
    const info = run(requireTool('pdfinfo', 'poppler-utils'), [file]);
    expect(info.status).toBe(0);
    const text = run(requireTool('pdftotext', 'poppler-utils'), ['-layout', file, '-']);
    expect(text.status).toBe(0);
    return { pages: Number(/^Pages:\s+(\d+)/m.exec(info.stdout)?.[1]), text: text.stdout };
  }

  it('prints every page with its text, the page break starting a new page', async () => {
    const { body, contentType, extension } = await harness.exporter.export('pdf', FIXTURE);
    expect({ contentType, extension }).toEqual({
      contentType: 'application/pdf',
      extension: 'pdf',
    });
    const { pages, text } = readPdf(body, 'fixture.pdf');
    expect(pages).toBeGreaterThan(1);
    const [first, second] = text.split('\f');
    expect(first).toContain('1 Introduction');
    expect(first).toContain('1.1 Scope');
    expect(first).toContain('By transfer');
    expect(first).not.toContain('Premium');
    expect(second).toContain('1.2 Prices');
    expect(second).toMatch(/Premium\s+250\s+50/);
    // The print header and footer: the title and "page / pages".
    expect(first).toContain('Service Agreement');
    expect(first).toMatch(/1\s*\/\s*2/);
  });

  it('requests nothing: images, links and CSS in the content never reach the network', async () => {
    const markdown = [
      `![pixel](${server.url}/pixel.png)`,
      `[link](${server.url}/link)`,
      `<img src="${server.url}/raw.png">`,
      `<link rel="stylesheet" href="${server.url}/style.css">`,
    ].join('\n\n');
    const { body } = await harness.exporter.export('pdf', { title: 'Network', markdown, toc: [] });
    expect(readPdf(body, 'network.pdf').text).toContain('pixel');
    expect(server.requests).toEqual([]);
    // The control: the same page in a browser without the renderer's blocking does ask the server.
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ['--no-sandbox'],
    });
    try {
      const page = await browser.newPage();
      const { body: html } = await harness.exporter.export('html', {
        title: 'Network',
        markdown,
        toc: [],
      });
      await page.setContent(html.toString('utf8'), { waitUntil: 'load' });
      expect(server.requests).toContain('/pixel.png');
    } finally {
      await browser.close();
    }
  });

  it('launches one browser and reuses it for concurrent exports, each queued under the cap', async () => {
    const launch = jest.spyOn(chromium, 'launch');
    const local = exporterHarness({
      PDF_CHROMIUM_PATH: chromiumPath(),
      EXPORT_PDF_MAX_CONCURRENCY: '1',
    });
    try {
      const source = { title: 'Many', markdown: '# One\n\ntext', toc: [] };
      const files = await Promise.all([1, 2, 3].map(() => local.exporter.export('pdf', source)));
      for (const [i, file] of files.entries())
        expect(readPdf(file.body, `many-${i}.pdf`).text).toContain('One');
      expect(launch).toHaveBeenCalledTimes(1);
    } finally {
      launch.mockRestore();
      await local.close();
    }
  });

  it('stops an export over its time budget with a 422 and keeps serving', async () => {
    const slow = exporterHarness({ PDF_CHROMIUM_PATH: chromiumPath(), EXPORT_TIMEOUT_MS: '1500' });
    try {
      // Cheap to render as HTML, expensive to print: thousands of pages.
      const markdown = Array.from({ length: 5000 }, (_, i) => `page ${i}`).join(
        '\n\n<!-- page-break -->\n\n',
      );
      const source = { title: 'Slow', markdown, toc: [] };
      const error = await slow.exporter.export('pdf', source).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 422, reason: ExportersErrorCode.PDF_TIMEOUT });
    } finally {
      await slow.close();
    }
    const { body } = await harness.exporter.export('pdf', {
      title: 'After',
      markdown: 'still here',
      toc: [],
    });
    expect(readPdf(body, 'after.pdf').text).toContain('still here');
  });
});
