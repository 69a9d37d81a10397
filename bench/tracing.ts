// `node dist/bench/tracing.js [--duration 10] [--connections 32] [--repeat 3] [--blocks 200]`:
// the cost of tracing on the JWT read (GET /api/blocks/{id}). Two API processes on one embedded
// PostgreSQL, one with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver in this
// process (it answers 200 and counts bytes, so export is real but storage costs nothing), one
// without; their runs alternate (off, on, off, on…) so machine drift hits both alike.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RequestSpec } from 'autocannon';
import { startEmbeddedPostgres } from '../libs/database/src/embedded-postgres';
import { freePort } from '../libs/database/src/free-port';
import { load, type LoadResult } from './lib/load';
import { ServerProcess, run, stopAllServers } from './lib/processes';

const DIST = resolve(__dirname, '..');
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const PASSWORD = `Vivid-${randomBytes(9).toString('base64url')}-Harbor-Lantern`;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function postJson(url: string, body: unknown, token?: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Accepts OTLP exports without decoding them: what the API pays is what is measured. */
async function startSink(): Promise<{ url: string; stats: { requests: number; bytes: number } }> {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (stats.bytes += chunk.length));
    req.on('end', () => {
      stats.requests += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.unref();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats };
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

async function main(): Promise<void> {
  const durationSeconds = arg('duration', 10);
  const connections = arg('connections', 32);
  const repeat = arg('repeat', 3);
  const blocks = arg('blocks', 200);
  // World-searchable: as root the embedded server runs as `postgres` and must reach it.
  const workDir = mkdtempSync(join(tmpdir(), 'cb-bench-tracing-'));
  chmodSync(workDir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(workDir, 'pg-data'), database: 'bench' });
  const servers: ServerProcess[] = [];
  try {
    const common = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: pg.url,
      DATA_DIR: join(workDir, 'data'),
      JWT_SECRET,
      LOG_LEVEL: 'info',
      ACCESS_TOKEN_TTL: '12h',
      RATE_LIMIT_PER_MINUTE: '1000000000',
      RATE_LIMIT_AUTH_PER_MINUTE: '1000000000',
    };
    await run(process.execPath, [join(DIST, 'libs/database/src/cli.js'), 'run'], {
      ...common,
      LOG_LEVEL: 'warn',
    });
    const sink = await startSink();
    const start = async (name: string, extra: Record<string, string>) => {
      const port = await freePort();
      const server = await ServerProcess.start({
        name,
        script: join(DIST, 'apps/api/src/main.js'),
        env: { ...common, PORT: String(port), ...extra },
        logFile: join(workDir, `${name}.log`),
        readyUrl: `http://127.0.0.1:${port}/health/ready`,
      });
      servers.push(server);
      return `http://127.0.0.1:${port}`;
    };
    const off = await start('tracing-off', {});
    const on = await start('tracing-on', {
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_TRACES_SAMPLER: 'always_on',
    });

    const username = `bench_${Date.now().toString(36)}`;
    const { accessToken } = (await postJson(`${off}/api/auth/register`, {
      email: `${username}@bench.example.com`,
      username,
      password: PASSWORD,
      tenantName: `bench-${username}`,
    })) as { accessToken: string };
    const ids: string[] = [];
    for (let i = 0; i < blocks; i++) {
      const block = (await postJson(
        `${off}/api/blocks`,
        { title: `Bench block ${i}`, content: `Content of block ${i}. `.repeat(20) },
        accessToken,
      )) as { id: string };
      ids.push(block.id);
    }
    const requests: RequestSpec[] = [
      {
        method: 'GET',
        setupRequest: (request) => ({
          ...request,
          path: `/api/blocks/${ids[Math.floor(Math.random() * ids.length)]}`,
        }),
      },
    ];
    const headers = { authorization: `Bearer ${accessToken}` };
    const measure = (url: string, seconds: number) =>
      load({ url, connections, durationSeconds: seconds, headers, requests });

    // Warm-up: JIT, pools and caches of both processes.
    await measure(off, 3);
    await measure(on, 3);
    const results: Record<'off' | 'on', LoadResult[]> = { off: [], on: [] };
    for (let i = 0; i < repeat; i++) {
      results.off.push(await measure(off, durationSeconds));
      results.on.push(await measure(on, durationSeconds));
    }
    const failures = [...results.off, ...results.on].reduce(
      (n, r) => n + r.errors + r.timeouts + r.non2xx,
      0,
    );
    const line = (name: 'off' | 'on') => {
      const runs = results[name];
      return (
        `tracing ${name.padEnd(3)}: ${median(runs.map((r) => r.requestsPerSecond))} req/s ` +
        `(runs ${runs.map((r) => r.requestsPerSecond).join(', ')}), ` +
        `p50 ${median(runs.map((r) => r.latencyMs.p50))} ms, p99 ${median(runs.map((r) => r.latencyMs.p99))} ms`
      );
    };
    const rpsOff = median(results.off.map((r) => r.requestsPerSecond));
    const rpsOn = median(results.on.map((r) => r.requestsPerSecond));
    console.log(
      `GET /api/blocks/{id} JWT, ${connections} connections × ${durationSeconds} s, median of ${repeat}:`,
    );
    console.log(line('off'));
    console.log(line('on'));
    console.log(
      `cost of tracing: ${((1 - rpsOn / rpsOff) * 100).toFixed(1)} % of throughput; ` +
        `exported ${sink.stats.requests} OTLP requests, ${(sink.stats.bytes / 1024 / 1024).toFixed(1)} MiB; ` +
        `failed requests: ${failures}`,
    );
    if (failures > 0) process.exitCode = 1;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await pg.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAllServers();
  process.exit(1);
});
