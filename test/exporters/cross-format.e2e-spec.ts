import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportFormat } from '@app/exporters';
import { requireTool, run } from '../deploy/tools';
import { chromiumPath } from './chromium';
import { FIXTURE } from './export-fixture';
import { exporterHarness, type Harness } from './exporter-harness';

// The TOC is left out here: the Markdown source has only its marker, every other format its entries.
const SOURCE = { ...FIXTURE, markdown: FIXTURE.markdown.replace('<!-- toc -->\n\n', '') };

/** Each format's text as an independent reader sees it. */
function readBack(format: ExportFormat, body: Buffer, dir: string): string {
  const file = join(dir, `fixture.${format}`);
  writeFileSync(file, body);
  const pandoc = (from: string) =>
    run(requireTool('pandoc', 'pandoc'), ['-f', from, '-t', 'plain', '--wrap=none', file]).stdout;
  switch (format) {
    case 'markdown':
      return pandoc('gfm');
    case 'html':
      return pandoc('html');
    case 'docx':
      return pandoc('docx');
    case 'pdf':
      return run(requireTool('pdftotext', 'poppler-utils'), [file, '-']).stdout;
    case 'text':
      return body.toString('utf8');
  }
}

/**
 * Words in order, without what formats legitimately add or drop: the title (a header or the
 * first line), URLs (shown after a link's text in plain text), numbers (heading numbers, page
 * numbers; the Markdown source has none) and markup.
 */
function normalise(text: string): string[] {
  return text
    .split(SOURCE.title)
    .join(' ')
    .replace(/https?:\/\/[^\s>)\]]+/g, ' ')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word && !/^\d+$/.test(word));
}

describe('one fixture exported to every format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-cross-'));
  let harness: Harness;
  beforeAll(() => {
    harness = exporterHarness({ PDF_CHROMIUM_PATH: chromiumPath() });
  });
  afterAll(() => harness.close());

  it('reads back as the same words in the same order in every format', async () => {
    const formats: ExportFormat[] = ['markdown', 'html', 'text', 'docx', 'pdf'];
    const words: Record<string, string[]> = {};
    for (const format of formats) {
      const { body } = await harness.exporter.export(format, SOURCE);
      words[format] = normalise(readBack(format, body, dir));
    }
    expect(words.markdown).toContain('premium');
    expect(words.markdown.length).toBeGreaterThan(30);
    for (const format of formats)
      expect({ format, words: words[format] }).toEqual({ format, words: words.markdown });
  });

  it.each(['markdown', 'html', 'text', 'docx'] as const)(
    'gives byte-identical %s for the same source, also from a fresh worker pool',
    async (format) => {
      const first = await harness.exporter.export(format, FIXTURE);
      const second = await harness.exporter.export(format, FIXTURE);
      const other = exporterHarness();
      try {
        const third = await other.exporter.export(format, FIXTURE);
        expect(first.body.equals(second.body)).toBe(true);
        expect(first.body.equals(third.body)).toBe(true);
      } finally {
        await other.close();
      }
    },
  );
});
