// `node dist/bench/ml.js [--docs 300] [--classify 2000] [--concurrency 2]`: text analysis and
// classification on the worker pool, as the /api/ml routes run them (HTTP and slots aside):
// analyze throughput on ~2 KB documents, classify req/s with p50/p99 on a WordNet-trained model.
// The libraries are loaded from their `npm run build` output at run time, like export-docx.ts.
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const DIST = resolve(__dirname, '..');
const WORKER = join(DIST, 'libs/ml/src/ml.worker.js');

interface Pool {
  run(task: { filename: string; name: string }, input: unknown, options?: unknown): Promise<any>;
  onModuleDestroy(): Promise<void>;
}

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

/** A ~2 KB English document, varied per index so no two are the same text. */
function document(i: number): string {
  const sentences = [
    `On March ${(i % 28) + 1}, 2026 the harbor authority of Rotterdam approved budget ${i} of $${1000 + i}.`,
    'Ships from Singapore and Hamburg unload containers at the new terminal every morning.',
    `Maria Lopez, the port director, said the ${i % 2 ? 'northern' : 'southern'} quay would open in May.`,
    'Cranes run on electricity now, and diesel use fell by 15% compared with last year.',
    'Questions go to press@example.com or to https://example.com/harbor for the full report.',
    'The weather was calm, the tides were low, and the pilots guided every vessel safely to its berth.',
  ];
  const out: string[] = [];
  for (let n = 0; out.join(' ').length < 2000; n++) out.push(sentences[(n + i) % sentences.length]);
  return out.join(' ');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `count` calls of `call`, `concurrency` at a time; returns wall time and each duration. */
async function drive(count: number, concurrency: number, call: (i: number) => Promise<unknown>) {
  const durations: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const start = performance.now();
        await call(i);
        durations.push(performance.now() - start);
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, durations: durations.sort((a, b) => a - b) };
}

async function main(): Promise<void> {
  const docs = arg('docs', 300);
  const classifyCount = arg('classify', 2000);
  const concurrency = arg('concurrency', 2);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { loadConfig } = require(join(DIST, 'libs/config/src/index.js')) as {
    loadConfig: (env: Record<string, string>) => unknown;
  };
  const { WorkerPool } = require(join(DIST, 'libs/workers/src/index.js')) as {
    WorkerPool: new (config: unknown) => Pool;
  };
  const { wordnetNounGlosses } = require(join(DIST, 'libs/ml/src/index.js')) as {
    wordnetNounGlosses: (perClass: number) => Array<{ id: string; text: string; labels: string[] }>;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = loadConfig({
    NODE_ENV: 'production',
    JWT_SECRET: 'x'.repeat(32),
    DATABASE_URL: 'postgres://bench@localhost/bench',
    DATA_DIR: '/tmp',
  });
  const pool = new WorkerPool(config);
  const budget = { timeoutMs: 60_000 };
  const task = (name: string) => ({ filename: WORKER, name });

  // Warm-up: every thread loads the models once.
  await Promise.all(
    Array.from({ length: concurrency * 2 }, (_, i) =>
      pool.run(task('analyzeText'), { text: document(i) }, budget),
    ),
  );
  const analyze = await drive(docs, concurrency, (i) =>
    pool.run(task('analyzeText'), { text: document(i) }, budget),
  );
  console.log(
    `analyze: ${docs} docs of ~${document(0).length} chars, ${concurrency} at a time: ` +
      `${(docs / analyze.seconds).toFixed(1)} docs/s, p50 ${percentile(analyze.durations, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(analyze.durations, 99).toFixed(1)} ms`,
  );

  const corpus = wordnetNounGlosses(200);
  const t0 = performance.now();
  const trained = (await pool.run(task('train'), { examples: corpus }, budget)) as {
    model: string;
    accuracy: number;
  };
  console.log(
    `train: ${corpus.length} WordNet glosses, 8 labels: ${(performance.now() - t0).toFixed(0)} ms, held-out accuracy ${trained.accuracy}`,
  );
  const texts = corpus.map((e) => e.text);
  const classify = await drive(classifyCount, concurrency, (i) =>
    pool.run(
      task('classifyText'),
      { key: 'bench:1', model: trained.model, text: texts[i % texts.length] },
      budget,
    ),
  );
  console.log(
    `classify: ${classifyCount} glosses, ${concurrency} at a time: ` +
      `${(classifyCount / classify.seconds).toFixed(0)} req/s, p50 ${percentile(classify.durations, 50).toFixed(2)} ms, ` +
      `p99 ${percentile(classify.durations, 99).toFixed(2)} ms`,
  );
  await pool.onModuleDestroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
