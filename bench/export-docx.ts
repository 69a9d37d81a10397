// `node dist/bench/export-docx.js [--exports 1000] [--blocks 200]`: DOCX export of an assembled
// document of N blocks through the worker pool, as the export endpoint runs it: p50/p99 and the
// process's memory (the worker threads live in it) across the run.
// The libraries are loaded from their `npm run build` output at run time: compiling them here
// would overwrite dist/ without the @app path aliases resolved.
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const DIST = resolve(__dirname, '..');

interface Exporter {
  export(format: 'docx', source: Source): Promise<{ body: Buffer }>;
}
interface Source {
  title: string;
  markdown: string;
  toc: Array<{ level: number; text: string; number: string }>;
}

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

/** An assembly of `blocks` blocks as the assembler writes it: sections of prose, lists and tables. */
function assembled(blocks: number): Source {
  const parts: string[] = ['<!-- toc -->', ''];
  const toc: Source['toc'] = [];
  for (let i = 0; i < blocks; i++) {
    if (i % 10 === 0) {
      const text = `Section ${i / 10 + 1}`;
      toc.push({ level: 1, text, number: String(i / 10 + 1) });
      parts.push(`# ${text}`, '');
    }
    switch (i % 4) {
      case 0:
        parts.push(
          `The **supplier** provides the *service* described in block ${i}, under the [terms](https://example.com/terms/${i}) agreed. `.repeat(
            3,
          ),
          '',
        );
        break;
      case 1:
        parts.push(
          '- First obligation',
          '  - a detail',
          '  - another detail',
          '- Second obligation',
          '1. Step one',
          '2. Step two',
          '',
        );
        break;
      case 2:
        parts.push(
          '| Item | Qty | Price |',
          '| --- | --: | --: |',
          ...Array.from({ length: 5 }, (_, r) => `| item ${r} | ${r} | ${r * 10} |`),
          '',
        );
        break;
      default:
        parts.push('> A quoted clause with `code` and a link <https://example.com>.', '');
        if (i % 20 === 3) parts.push('<!-- page-break -->', '');
    }
  }
  return { title: 'Bench agreement', markdown: parts.join('\n'), toc };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const exportsCount = arg('exports', 1000);
  const source = assembled(arg('blocks', 200));
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { loadConfig } = require(join(DIST, 'libs/config/src/index.js')) as {
    loadConfig: (env: Record<string, string>) => unknown;
  };
  const { WorkerPool } = require(join(DIST, 'libs/workers/src/index.js')) as {
    WorkerPool: new (config: unknown) => { onModuleDestroy(): Promise<void> };
  };
  const { DocumentExporter } = require(join(DIST, 'libs/exporters/src/index.js')) as {
    DocumentExporter: new (config: unknown, pool: unknown, pdf: unknown) => Exporter;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = loadConfig({
    NODE_ENV: 'production',
    JWT_SECRET: 'x'.repeat(32),
    DATABASE_URL: 'postgres://bench@localhost/bench',
    DATA_DIR: '/tmp',
  });
  const pool = new WorkerPool(config);
  const exporter = new DocumentExporter(config, pool, { configured: false });
  console.log(
    `markdown: ${Buffer.byteLength(source.markdown)} bytes, ${exportsCount} DOCX exports, one at a time`,
  );
  // Warm-up: threads started, code compiled.
  for (let i = 0; i < 20; i++) await exporter.export('docx', source);
  const durations: number[] = [];
  const memory: string[] = [];
  let size = 0;
  const start = process.memoryUsage().rss;
  for (let i = 1; i <= exportsCount; i++) {
    const t0 = performance.now();
    size = (await exporter.export('docx', source)).body.length;
    durations.push(performance.now() - t0);
    if (i % Math.max(1, Math.floor(exportsCount / 5)) === 0) {
      memory.push(`${i}: rss ${mib(process.memoryUsage().rss)} MiB`);
    }
  }
  await pool.onModuleDestroy();
  durations.sort((a, b) => a - b);
  console.log(`docx: ${size} bytes`);
  console.log(
    `p50 ${percentile(durations, 50).toFixed(1)} ms, p99 ${percentile(durations, 99).toFixed(1)} ms, max ${durations[durations.length - 1].toFixed(1)} ms`,
  );
  console.log(`rss after warm-up ${mib(start)} MiB; ${memory.join('; ')}`);
}

void main();
