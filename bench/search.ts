// `node dist/bench/search.js [--blocks 100000] [--connections 4] [--duration 10] [--out DIR]`:
// full-text search through HTTP on a seeded tenant, measured against the exact reference order
// (ts_rank_cd over every match, computed here in SQL): a broad query (>= 20 % of the blocks) and
// a narrow one (<= 50 matches), req/s with p50/p99, recall@20 and exact order; the list filter
// `GET /api/blocks?q=` and `GET /api/blocks/{id}/similar` on the same data.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../libs/database/src/free-port';
import { startEmbeddedPostgres } from '../libs/database/src/embedded-postgres';
import { seedBlocksSql } from './lib/seed';
import { load, type LoadResult } from './lib/load';
import { ServerProcess, run, stopAllServers } from './lib/processes';

const ROOT = resolve(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const PASSWORD = `Vivid-${randomBytes(9).toString('base64url')}-Harbor-Lantern`;
const BROAD = 'pricing or support';
const NARROW = 'zeppelin';
// An AND of two common words: not a sum of per-word scores, so it scans its matches.
const BROAD_AND = 'pricing support';
const TS = `'english'::regconfig`;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

function text(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}

interface Row {
  scenario: string;
  matches?: number;
  quality?: string;
  load: LoadResult;
}

/**
 * Besides the standard seed: 40 narrow blocks holding a rare word at varied weights and counts
 * (so their exact order is not a tie), and 1 % long blocks whose broad-query words sit past the
 * first few thousand characters, where a prefix-only ranking would underrate them; they are the
 * oldest blocks, so a ranking of only the most recent matches misses them.
 */
async function seedExtras(client: Client, tenantId: string, userId: string, count: number) {
  await client.query(
    `INSERT INTO blocks (id, tenant_id, title, content, type, tags, metadata, version,
                         created_by, updated_by)
     SELECT gen_random_uuid(), $1,
            CASE WHEN g % 4 = 0 THEN 'Zeppelin hangar ' || g ELSE 'Airship notes ' || g END,
            'Field report ' || g || '. ' || repeat('The zeppelin crossed the bay. ', 1 + g % 5) ||
              repeat('Weather was calm and the crew rested. ', g % 7),
            'text', ARRAY['airship'], '{}'::jsonb, 1, $2, $2
       FROM generate_series(1, 40) AS g`,
    [tenantId, userId],
  );
  await client.query(
    `INSERT INTO blocks (id, tenant_id, title, content, type, tags, metadata, version,
                         created_at, updated_at, created_by, updated_by)
     SELECT gen_random_uuid(), $1, 'Handbook chapter ' || g,
            'Introduction. ' || repeat('Filler prose about page layout and typography. ', 60 + g % 90) ||
              repeat('Pricing and support plans in detail, pricing per seat. ', 1 + g % 6),
            'markdown', ARRAY['handbook'], '{}'::jsonb, 1,
            now() - interval '400 days', now() - interval '400 days', $2, $2
       FROM generate_series(1, $3::int) AS g`,
    [tenantId, userId, Math.max(1, Math.round(count / 100))],
  );
  // As autovacuum would after a bulk load: the postings' visibility map makes their scans
  // index-only.
  await client.query('VACUUM ANALYZE blocks');
  const { rows } = await client.query(`SELECT to_regclass('block_postings') AS t`);
  if (rows[0].t) await client.query('VACUUM ANALYZE block_postings');
}

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const body_ = await response.text();
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${body_}`);
  return JSON.parse(body_) as Record<string, unknown>;
}

/**
 * One GET answered 200: a 429 right after a load run (its requests still hold the tenant's
 * slots) is retried after its Retry-After; any other status fails the run with its body.
 */
async function getJson(url: string, token: string): Promise<{ status: number; body: any }> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.json();
    if (response.status === 200) return { status: 200, body };
    if (response.status !== 429 || attempt === 5) {
      throw new Error(`GET ${url} answered ${response.status}: ${JSON.stringify(body)}`);
    }
    const wait = Number(response.headers.get('retry-after') ?? 1);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
}

/** The exact reference: every match ranked by ts_rank_cd on the full vector, then id. */
async function reference(client: Client, tenantId: string, q: string, limit: number) {
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM blocks
      WHERE tenant_id = $1 AND deleted_at IS NULL AND search_vector @@ websearch_to_tsquery(${TS}, $2)
      ORDER BY ts_rank_cd(search_vector, websearch_to_tsquery(${TS}, $2)) DESC, id ASC
      LIMIT $3`,
    [tenantId, q, limit],
  );
  return rows.map((r) => r.id);
}

async function matchCount(client: Client, tenantId: string, q: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL
        AND search_vector @@ websearch_to_tsquery(${TS}, $2)`,
    [tenantId, q],
  );
  return Number(rows[0].n);
}

async function main(): Promise<void> {
  const blocks = arg('blocks', 100_000);
  // 4 = the default search slots per tenant (2) plus as many waiting: more would measure 429s.
  const connections = arg('connections', 4);
  const duration = arg('duration', 10);
  const outDir = resolve(ROOT, text('out', 'bench/results'));
  const stamp = new Date()
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const workDir = mkdtempSync(join(tmpdir(), 'cb-search-bench-'));
  chmodSync(workDir, 0o755);
  let stopPg: () => Promise<void> = async () => undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stopAllServers()
        .then(() => stopPg())
        .finally(() => process.exit(130));
    });
  }
  try {
    const pg = await startEmbeddedPostgres({
      dataDir: join(workDir, 'pg-data'),
      database: 'content_blocks_bench',
      // The server's own account of a dropped connection (a sporadic 57P01 after seeding).
      onLog: (line) => {
        if (/FATAL|PANIC|terminat/i.test(line)) console.error(`postgres: ${line.trim()}`);
      },
    });
    stopPg = () => pg.stop();
    const env = { DATABASE_URL: pg.url, NODE_ENV: 'production', JWT_SECRET, LOG_LEVEL: 'warn' };
    await run(process.execPath, [join(DIST, 'libs/database/src/cli.js'), 'run'], env);
    const port = await freePort();
    const api = await ServerProcess.start({
      name: 'api',
      script: join(DIST, 'apps/api/src/main.js'),
      env: {
        ...env,
        PORT: String(port),
        DATA_DIR: join(workDir, 'data'),
        ACCESS_TOKEN_TTL: '12h',
        RATE_LIMIT_PER_MINUTE: '1000000000',
        RATE_LIMIT_AUTH_PER_MINUTE: '1000000000',
      },
      logFile: join(workDir, 'api.log'),
      readyUrl: `http://127.0.0.1:${port}/health/ready`,
    });
    const url = `http://127.0.0.1:${port}`;
    const username = `bench_${Date.now().toString(36)}`;
    const registered = await postJson(`${url}/api/auth/register`, {
      email: `${username}@bench.example.com`,
      username,
      password: PASSWORD,
      displayName: 'Bench',
      tenantName: `search-${Date.now().toString(36)}`,
    });
    const token = registered.accessToken as string;
    const client = new Client({ connectionString: pg.url });
    // A dropped connection fails the run through the next query, and the cleanup still runs.
    client.on('error', (error) => console.error(`bench client: ${error.message}`));
    await client.connect();
    const { rows } = await client.query<{ id: string; tenant_id: string }>(
      'SELECT id, tenant_id FROM users WHERE username = $1',
      [username],
    );
    const { id: userId, tenant_id: tenantId } = rows[0];
    const seeded = Date.now();
    await seedBlocksSql(client, tenantId, userId, blocks);
    await seedExtras(client, tenantId, userId, blocks);
    const seedSeconds = (Date.now() - seeded) / 1000;
    console.log(`seeded ${blocks} blocks (+ extras) in ${seedSeconds} s`);
    // What the search indexes cost on disk (the postings table exists from its migration on).
    const { rows: sizes } = await client.query<{ blocks: string; postings: string | null }>(
      `SELECT pg_size_pretty(pg_total_relation_size('blocks')) AS blocks,
              pg_size_pretty(pg_total_relation_size(to_regclass('block_postings'))) AS postings`,
    );

    const total = (
      await client.query<{ n: string }>('SELECT count(*) AS n FROM blocks WHERE tenant_id = $1', [
        tenantId,
      ])
    ).rows[0].n;
    const results: Row[] = [];
    const headers = { authorization: `Bearer ${token}` };
    const measure = async (path: string): Promise<LoadResult> => {
      await load({ url: `${url}${path}`, connections, durationSeconds: 2, headers });
      return load({ url: `${url}${path}`, connections, durationSeconds: duration, headers });
    };

    const broadMatches = await matchCount(client, tenantId, BROAD);
    const expectedBroad = await reference(client, tenantId, BROAD, 20);
    const broadPath = `/api/blocks/search?q=${encodeURIComponent(BROAD)}&limit=20`;
    const got = await getJson(`${url}${broadPath}`, token);
    const gotIds = (got.body.items as Array<{ id: string }>).map((i) => i.id);
    const recall = gotIds.filter((id) => expectedBroad.includes(id)).length / expectedBroad.length;
    const broadExact = JSON.stringify(gotIds) === JSON.stringify(expectedBroad);
    results.push({
      scenario: `search broad "${BROAD}"`,
      matches: broadMatches,
      quality: `recall@20 ${recall.toFixed(2)}${broadExact ? ', exact order' : ', ORDER DIFFERS'}`,
      load: await measure(broadPath),
    });

    const andPath = `/api/blocks/search?q=${encodeURIComponent(BROAD_AND)}&limit=20`;
    const andIds = (
      (await getJson(`${url}${andPath}`, token)).body.items as Array<{ id: string }>
    ).map((i) => i.id);
    const andExact =
      JSON.stringify(andIds) === JSON.stringify(await reference(client, tenantId, BROAD_AND, 20));
    results.push({
      scenario: `search AND "${BROAD_AND}"`,
      matches: await matchCount(client, tenantId, BROAD_AND),
      quality: andExact ? 'exact order' : 'ORDER DIFFERS',
      load: await measure(andPath),
    });

    const narrowMatches = await matchCount(client, tenantId, NARROW);
    const expectedNarrow = await reference(client, tenantId, NARROW, 100);
    const narrowPath = `/api/blocks/search?q=${NARROW}&limit=50`;
    const narrow = await getJson(`${url}${narrowPath}`, token);
    const narrowIds = (narrow.body.items as Array<{ id: string }>).map((i) => i.id);
    const exact = JSON.stringify(narrowIds) === JSON.stringify(expectedNarrow.slice(0, 50));
    results.push({
      scenario: `search narrow "${NARROW}"`,
      matches: narrowMatches,
      quality: exact ? 'exact order' : 'ORDER DIFFERS',
      load: await measure(narrowPath),
    });

    results.push({
      scenario: `list ?q=${BROAD}`,
      matches: broadMatches,
      load: await measure(`/api/blocks?q=${encodeURIComponent(BROAD)}&limit=20`),
    });

    const probe = await getJson(`${url}/api/blocks/${expectedNarrow[0]}/similar?limit=10`, token);
    if (probe.status === 200) {
      const { rows: ids } = await client.query<{ id: string }>(
        'SELECT id FROM blocks WHERE tenant_id = $1 ORDER BY random() LIMIT 2000',
        [tenantId],
      );
      await load({
        url,
        connections,
        durationSeconds: 2,
        headers,
        requests: [{ method: 'GET', path: `/api/blocks/${ids[0].id}/similar?limit=10` }],
      });
      const similar = await load({
        url,
        connections,
        durationSeconds: duration,
        headers,
        requests: ids.map((r) => ({ method: 'GET', path: `/api/blocks/${r.id}/similar?limit=10` })),
      });
      results.push({ scenario: 'similar (lexical), 2000 random blocks', load: similar });
    } else {
      // Never drop a row silently: a failing probe is part of the result.
      console.error(`similar probe answered ${probe.status}: ${JSON.stringify(probe.body)}`);
    }
    await client.end();
    await api.stop();

    const machine = { cpus: cpus().length, loadavg: loadavg().map((l) => l.toFixed(2)) };
    const table = [
      `Search on ${total} blocks, ${connections} connections, ${duration} s per row, load average ${machine.loadavg.join(' ')} on ${machine.cpus} cores`,
      '',
      `Seeded in ${seedSeconds} s; blocks table ${sizes[0].blocks}, postings ${sizes[0].postings ?? 'none'}.`,
      '',
      '| scenario | matches | req/s | p50 ms | p99 ms | non-2xx | quality |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
      ...results.map(
        (r) =>
          `| ${r.scenario} | ${r.matches ?? ''} | ${r.load.requestsPerSecond} | ${r.load.latencyMs.p50} | ${r.load.latencyMs.p99} | ${r.load.non2xx} | ${r.quality ?? ''} |`,
      ),
    ].join('\n');
    console.log(table);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, `${stamp}-search.md`), `${table}\n`);
    writeFileSync(
      join(outDir, `${stamp}-search.json`),
      `${JSON.stringify({ date: new Date().toISOString(), blocks: Number(total), connections, duration, machine, seedSeconds, sizes: sizes[0], results }, null, 2)}\n`,
    );
  } finally {
    await stopAllServers();
    await stopPg();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
