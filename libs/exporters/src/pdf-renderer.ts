import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type * as Playwright from 'playwright-core';
import type { Browser } from 'playwright-core';
import { AppConfig } from '@app/config';
import { ConcurrencyLimit } from './concurrency-limit';
import { escapeHtml } from './html-renderer';
import { ExportersErrorCode, ExportersException } from './exporters.exception';

/** Flags for a headless print server: no sandbox (containers), no GPU, no background traffic. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

/**
 * Prints the HTML export as PDF in headless Chromium. One browser is launched on first use and
 * shared; each export gets its own context (JavaScript off, every request but `data:` aborted,
 * so neither the document nor an image in it can reach the network), a slot under a concurrency
 * cap and a time budget.
 */
@Injectable()
export class PdfRenderer implements OnModuleDestroy {
  private readonly logger = new Logger(PdfRenderer.name);
  private readonly limit: ConcurrencyLimit;
  private browser?: Promise<Browser>;
  private closed = false;

  constructor(private readonly config: AppConfig) {
    this.limit = new ConcurrencyLimit(config.exports.pdfMaxConcurrency);
  }

  get configured(): boolean {
    return Boolean(this.config.exports.pdfChromiumPath);
  }

  async render(html: string, title: string): Promise<Buffer> {
    if (!this.configured)
      throw new ExportersException(ExportersErrorCode.PDF_RENDERER_NOT_CONFIGURED);
    const { timeoutMs } = this.config.exports;
    const deadline = Date.now() + timeoutMs;
    const release = await this.limit.acquire(
      timeoutMs,
      () =>
        new ExportersException(ExportersErrorCode.PDF_RENDERER_BUSY, undefined, {
          'retry-after': '1',
        }),
    );
    try {
      const browser = await this.launch();
      const context = await browser.newContext({
        javaScriptEnabled: false,
        serviceWorkers: 'block',
        acceptDownloads: false,
      });
      try {
        await context.route('**/*', (route) =>
          route.request().url().startsWith('data:')
            ? route.continue()
            : route.abort('blockedbyclient'),
        );
        const page = await context.newPage();
        const remaining = () => Math.max(1, deadline - Date.now());
        await page.setContent(html, { waitUntil: 'load', timeout: remaining() });
        const pdf = await withTimeout(
          page.pdf({
            format: 'A4',
            printBackground: true,
            margin: { top: '2cm', bottom: '2cm', left: '2cm', right: '2cm' },
            // The print header and footer, like the DOCX ones: the title, and page n of m.
            displayHeaderFooter: true,
            headerTemplate: `<div style="font-size:8pt;width:100%;text-align:center">${escapeHtml(title)}</div>`,
            footerTemplate:
              '<div style="font-size:8pt;width:100%;text-align:center"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
          }),
          remaining(),
        );
        return pdf;
      } finally {
        await context.close().catch(() => undefined);
      }
    } catch (error) {
      if (error instanceof ExportersException) throw error;
      if (error instanceof Error && /timeout/i.test(error.name + error.message)) {
        throw new ExportersException(ExportersErrorCode.PDF_TIMEOUT);
      }
      throw error;
    } finally {
      release();
    }
  }

  private launch(): Promise<Browser> {
    if (this.closed) return Promise.reject(new Error('The PDF renderer is shut down'));
    if (!this.browser) {
      // Required on the first PDF, not at boot: playwright-core alone is ~28 MiB of heap and
      // ~68 MiB of RSS that an API never printing a PDF would carry.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { chromium } = require('playwright-core') as typeof Playwright;
      const launching = chromium.launch({
        executablePath: this.config.exports.pdfChromiumPath,
        headless: true,
        args: CHROMIUM_ARGS,
      });
      this.browser = launching;
      launching.then(
        (browser) =>
          browser.on('disconnected', () => {
            // A crashed browser is launched again on the next export.
            if (this.browser === launching) this.browser = undefined;
          }),
        () => {
          if (this.browser === launching) this.browser = undefined;
        },
      );
    }
    return this.browser;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const browser = await this.browser?.catch(() => undefined);
    this.browser = undefined;
    await browser
      ?.close()
      .catch((error: unknown) => this.logger.warn(`Closing Chromium: ${String(error)}`));
  }
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`Timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
