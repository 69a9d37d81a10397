// `node dist/bench/related.js [--calls 20] [--depth 5] [--linked 300] [--fanout 2]`: the depth-N
// `/related` walk on the fairness suite's graph (3 000 blocks, the first `--linked` pointing at
// `--fanout` others each; `--linked 3000 --fanout 6` reaches past the 1 000-node cap), timed
// through HTTP on the built API with the PostgreSQL CPU each call costs, next to the former
// single-statement walk run directly (EXPLAIN ANALYZE) as the reference the answer must equal.
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../libs/database/src/free-port';
import { startEmbeddedPostgres } from '../libs/database/src/embedded-postgres';
import { ServerProcess, run, stopAllServers } from './lib/processes';

const ROOT = resolve(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const PASSWORD = `Vivid-${randomBytes(9).toString('base64url')}-Harbor-Lantern`;

/** The walk as one recursive statement over (id, depth), as it was before the level-by-level walk. */
const REFERENCE_WALK = `WITH RECURSIVE walk(id, depth) AS (
     SELECT b.id, 0 FROM blocks b WHERE b.id = $1 AND b.tenant_id = $2 AND b.deleted_at IS NULL
     UNION
     SELECT n.next_id, w.depth + 1
     FROM walk w
     CROSS JOIN LATERAL (
       SELECT r.target_id AS next_id FROM block_relations r
       WHERE r.tenant_id = $2 AND r.source_id = w.id AND ($4::text IS NULL OR r.type = $4)
       UNION ALL
       SELECT r.source_id FROM block_relations r
       WHERE r.tenant_id = $2 AND r.target_id = w.id AND ($4::text IS NULL OR r.type = $4)
     ) n
     JOIN blocks nb ON nb.id = n.next_id AND nb.tenant_id = $2 AND nb.deleted_at IS NULL
     WHERE w.depth < $3
   )
   SELECT b.id, b.title, b.type, m.depth
   FROM (SELECT id, min(depth) AS depth FROM walk GROUP BY id) m
   JOIN blocks b ON b.id = m.id AND b.tenant_id = $2
   ORDER BY m.depth, b.id
   LIMIT $5`;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

/** Block n points at block (n * m) % linked + 1 for the first `fanout` of these (the suite: 2). */
const MULTIPLIERS = [1, 7, 13, 29, 43, 71, 97, 131];

/** The fairness suite's tenant A, seeded the same way (with `--linked 300 --fanout 2`). */
async function seedGraph(
  client: Client,
  tenantId: string,
  userId: string,
  linked: number,
  fanout: number,
): Promise<string> {
  await client.query(
    `INSERT INTO blocks (id, tenant_id, title, content, tags, created_by, updated_by, updated_at)
     SELECT gen_random_uuid(), $1, 'Harbor note ' || g,
            'harbor lantern ' || repeat('quay tide beacon mooring ' || g || ' ', 40),
            ARRAY['harbor', 't' || (g % 20)], $2, $2, now() - g * interval '1 minute'
     FROM generate_series(1, 3000) g`,
    [tenantId, userId],
  );
  await client.query(
    `WITH b AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM blocks WHERE tenant_id = $1)
     INSERT INTO block_relations (id, tenant_id, source_id, target_id, type, created_by)
     SELECT gen_random_uuid(), $1, s.id, t.id, 'references', $2
     FROM b s JOIN b t ON t.n IN (SELECT ((s.n * m) % $3) + 1 FROM unnest($4::int[]) m)
     WHERE s.n <= $3 AND s.id <> t.id
     ON CONFLICT DO NOTHING`,
    [tenantId, userId, linked, MULTIPLIERS.slice(0, fanout)],
  );
  await client.query('ANALYZE blocks; ANALYZE block_relations');
  const { rows } = await client.query<{ id: string }>(
    'SELECT id FROM blocks WHERE tenant_id = $1 ORDER BY id LIMIT 1',
    [tenantId],
  );
  return rows[0].id;
}

/** CPU (ms) of every process of the cluster: the postmaster's children, from /proc. */
function postgresCpuMs(postmasterPid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d{1,10}$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) !== postmasterPid && Number(fields[1]) !== postmasterPid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const calls = arg('calls', 20);
  const depth = arg('depth', 5);
  const linked = arg('linked', 300);
  const fanout = arg('fanout', 2);
  const workDir = mkdtempSync(join(tmpdir(), 'cb-related-bench-'));
  chmodSync(workDir, 0o755);
  let stopPg: () => Promise<void> = async () => undefined;
  const load = { before: loadavg().map((l) => Math.round(l * 100) / 100), after: [] as number[] };
  try {
    const pg = await startEmbeddedPostgres({
      dataDir: join(workDir, 'pg-data'),
      database: 'content_blocks_bench',
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
        RATE_LIMIT_PER_MINUTE: '1000000000',
        RATE_LIMIT_AUTH_PER_MINUTE: '1000000000',
      },
      logFile: join(workDir, 'api.log'),
      readyUrl: `http://127.0.0.1:${port}/health/ready`,
    });
    const url = `http://127.0.0.1:${port}`;
    const username = `bench_${Date.now().toString(36)}`;
    const response = await fetch(`${url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `${username}@bench.example.com`,
        username,
        password: PASSWORD,
        displayName: 'Bench',
        tenantName: `related-${Date.now().toString(36)}`,
      }),
    });
    const token = ((await response.json()) as { accessToken: string }).accessToken;
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    const { rows: users } = await client.query<{ id: string; tenant_id: string }>(
      'SELECT id, tenant_id FROM users WHERE username = $1',
      [username],
    );
    const { id: userId, tenant_id: tenantId } = users[0];
    const hub = await seedGraph(client, tenantId, userId, linked, fanout);
    const postmasterPid = Number(
      readFileSync(join(workDir, 'pg-data', 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
    );

    const params = [hub, tenantId, depth, null, 1000];
    const expected = (await client.query(REFERENCE_WALK, params)).rows as {
      id: string;
      depth: number;
    }[];
    const referenceMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { rows } = await client.query<{ 'QUERY PLAN': { 'Execution Time': number }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${REFERENCE_WALK}`,
        params,
      );
      referenceMs.push(rows[0]['QUERY PLAN'][0]['Execution Time']);
    }

    const get = () =>
      fetch(`${url}/api/blocks/${hub}/related?depth=${depth}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    for (let i = 0; i < 3; i++) await (await get()).text(); // warm-up
    const wall: number[] = [];
    let same = true;
    const cpuBefore = postgresCpuMs(postmasterPid);
    for (let i = 0; i < calls; i++) {
      const started = performance.now();
      const res = await get();
      const body = (await res.json()) as { nodes: { id: string; depth: number }[] };
      wall.push(performance.now() - started);
      const got = body.nodes.map((n) => `${n.id}:${n.depth}`).join(',');
      same &&= res.status === 200 && got === expected.map((n) => `${n.id}:${n.depth}`).join(',');
    }
    const pgCpuPerCallMs = (postgresCpuMs(postmasterPid) - cpuBefore) / calls;
    await client.end();
    load.after = loadavg().map((l) => Math.round(l * 100) / 100);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    console.log(
      JSON.stringify({
        depth,
        linked,
        fanout,
        nodes: expected.length,
        referenceSingleStatement: {
          executionMsMedian: round(quantile(referenceMs, 0.5)),
          executionMs: referenceMs.map(round),
        },
        api: {
          calls,
          wallP50Ms: round(quantile(wall, 0.5)),
          wallMaxMs: round(Math.max(...wall)),
          postgresCpuPerCallMs: round(pgCpuPerCallMs),
          sameAnswerAsReference: same,
        },
        loadAverage: load,
      }),
    );
    await api.stop();
    if (!same) process.exitCode = 1;
  } finally {
    await stopAllServers();
    await stopPg();
    rmSync(workDir, { recursive: true, force: true });
  }
}

void main();
