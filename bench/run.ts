// `npm run bench`: anchors and API scenarios under the same load, in one run, on one machine.
// See bench/README.md for what each scenario measures and how to read the table.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres } from '../libs/database/src/embedded-postgres';
import { parseArgs } from './lib/args';
import { prepareFixture, withClient } from './lib/fixture';
import { pin, run, stopAllServers } from './lib/processes';
import { writeSoak, writeTable } from './lib/output';
import { type BenchContext, DIST, JWT_SECRET, ROOT } from './lib/servers';
import { runSoak } from './lib/soak';
import { runTable } from './lib/table';
import { tableTargets } from './lib/targets';

async function machine(databaseUrl: string): Promise<Record<string, unknown>> {
  const pgVersion = await withClient(
    databaseUrl,
    async (c) => (await c.query<{ v: string }>('SELECT version() AS v')).rows[0].v,
  );
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    freeMemoryGiB: Math.round(freemem() / 1024 ** 3),
    node: process.version,
    postgres: pgVersion,
  };
}

/** The servers get the last core; the load generator and PostgreSQL share the others. */
async function pinAll(ctx: BenchContext): Promise<void> {
  const last = cpus().length - 1;
  ctx.serverCpus = String(last);
  const others = last === 1 ? '0' : `0-${last - 1}`;
  await pin(process.pid, others);
  const pidFile = join(ctx.workDir, 'pg-data', 'pg', 'postmaster.pid');
  if (existsSync(pidFile)) await pin(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), others);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), process.env);
  for (const file of [
    'apps/api/src/main.js',
    'bench/servers/hello.js',
    'libs/database/src/cli.js',
    'scripts/seed.js',
  ]) {
    if (!existsSync(join(DIST, file)))
      throw new Error(`dist/${file} is missing: run npm run bench (it builds first)`);
  }
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const workDir = mkdtempSync(join(tmpdir(), 'cb-bench-'));
  chmodSync(workDir, 0o755);
  const canPin = args.pin && cpus().length >= 2 && existsSync('/usr/bin/taskset');
  let stopPg: () => Promise<void> = async () => undefined;
  let exitCode = 0;
  // Ctrl-C or a kill: stop what this run started (the embedded PostgreSQL would outlive us) and
  // remove the scratch directory, as a finished run does.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stdout.write(`\n${signal}: stopping the servers and PostgreSQL…\n`);
      void stopAllServers()
        .then(() => stopPg())
        .finally(() => {
          if (!args.keep) rmSync(workDir, { recursive: true, force: true });
          process.exit(signal === 'SIGINT' ? 130 : 143);
        });
    });
  }
  try {
    let databaseUrl = args.databaseUrl;
    if (!databaseUrl) {
      process.stdout.write('Starting the embedded PostgreSQL…\n');
      const pg = await startEmbeddedPostgres({
        dataDir: join(workDir, 'pg-data'),
        database: 'content_blocks_bench',
      });
      stopPg = () => pg.stop();
      databaseUrl = pg.url;
    }
    const ctx: BenchContext = { args, workDir, databaseUrl, stamp };
    if (canPin) await pinAll(ctx);
    process.stdout.write('Running migrations…\n');
    await run(process.execPath, [join(DIST, 'libs', 'database', 'src', 'cli.js'), 'run'], {
      DATABASE_URL: databaseUrl,
      NODE_ENV: 'production',
      JWT_SECRET,
      LOG_LEVEL: 'warn',
    });
    const fixture = await prepareFixture(ctx);
    const info = {
      date: new Date().toISOString(),
      machine: await machine(databaseUrl),
      options: {
        connections: args.connections,
        durationSeconds: args.durationSeconds,
        warmupSeconds: args.warmupSeconds,
        repeat: args.repeat,
        blocks: args.blocks,
        pinned: canPin ? { servers: ctx.serverCpus, loadAndPostgres: 'the other cores' } : false,
        apiLogLevel: args.logLevel,
        database: args.databaseUrl ? 'external' : 'embedded',
      },
    };
    const outDir = resolve(ROOT, args.outDir);
    mkdirSync(outDir, { recursive: true });
    if (args.soakSeconds > 0) {
      const soak = await runSoak(ctx, fixture);
      writeSoak(join(outDir, `${stamp}-soak`), info, ctx, soak);
      if (soak.failed > 0) exitCode = 1;
      if (args.strict && soak.targets.some((t) => t.met === false)) exitCode = 1;
    } else {
      const rows = await runTable(ctx, fixture);
      const targets = tableTargets(rows);
      const failed = writeTable(join(outDir, stamp), info, ctx, rows, targets);
      if (failed > 0) exitCode = 1;
      if (args.strict && targets.some((t) => t.met === false)) exitCode = 1;
    }
  } finally {
    await stopPg();
    if (!args.keep) rmSync(workDir, { recursive: true, force: true });
    else process.stdout.write(`Kept ${workDir}\n`);
  }
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
