// `npm run bench`: anchors and API scenarios under the same load, in one run, on one machine.
// See bench/README.md for what each scenario measures and how to read the table.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import type { RequestSpec } from 'autocannon';
import { freePort } from '../libs/database/src/free-port';
import { startEmbeddedPostgres } from '../libs/database/src/embedded-postgres';
import { type BenchArgs, parseArgs } from './lib/args';
import { pickFilters, seedBlocksSql } from './lib/seed';
import { load, type LoadResult } from './lib/load';
import { ServerProcess, pin, run, stopAllServers } from './lib/processes';
import {
  type ScenarioReport,
  type SoakSample,
  type TargetReport,
  barChartSvg,
  formatSoak,
  formatTable,
  formatTargets,
  memoryChartSvg,
} from './lib/report';

const ROOT = resolve(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const PASSWORD = `Vivid-${randomBytes(9).toString('base64url')}-Harbor-Lantern`;
// Unique per run: the seed script fills the oldest tenant of that name, and a reused database
// (--database-url) may hold the tenants of earlier runs.
const TENANT = `bench-${Date.now().toString(36)}`;
const MIB = 1024 * 1024;

/** API configurations: the production default, and the same with read auditing / metrics off. */
type ApiVariant = 'api' | 'api-no-audit-reads' | 'api-no-metrics' | 'api-no-audit-reads-no-metrics';
const API_VARIANTS: Record<ApiVariant, Record<string, string>> = {
  api: {},
  'api-no-audit-reads': { AUDIT_READS: 'false' },
  'api-no-metrics': { METRICS_ENABLED: 'false' },
  'api-no-audit-reads-no-metrics': { AUDIT_READS: 'false', METRICS_ENABLED: 'false' },
};

type ServerName = 'anchor-hello' | 'anchor-pg' | ApiVariant;

interface Fixture {
  databaseUrl: string;
  ids: string[];
  token?: string;
  apiKey?: string;
  login?: string;
  /** `METHOD path` of every operation in the API's OpenAPI document. */
  operations: Set<string>;
  tag: string;
  searchTerm: string;
  /** A document of 200 block nodes, 50 of whose blocks include another block. */
  documentId?: string;
}

interface Scenario {
  name: string;
  label: string;
  server: ServerName;
  /** The OpenAPI operation the scenario needs (skipped, with a note, while it is not built). */
  operation?: string;
  auth?: 'jwt' | 'key';
  requests: (f: Fixture) => RequestSpec[];
}

const randomIdPath =
  (prefix: string) =>
  (f: Fixture): RequestSpec[] => [
    {
      method: 'GET',
      setupRequest: (request) => ({
        ...request,
        path: `${prefix}${f.ids[Math.floor(Math.random() * f.ids.length)]}`,
      }),
    },
  ];

const jwtRead = (name: string, server: ServerName, label: string): Scenario => ({
  name,
  label,
  server,
  operation: 'GET /api/blocks/{id}',
  auth: 'jwt',
  requests: randomIdPath('/api/blocks/'),
});

const SCENARIOS: Scenario[] = [
  {
    name: 'anchor-hello',
    label: 'anchor: bare Fastify {"hello":"world"}',
    server: 'anchor-hello',
    requests: () => [{ method: 'GET', path: '/' }],
  },
  {
    name: 'anchor-pg-read',
    label: 'anchor: bare Fastify + pg SELECT by id',
    server: 'anchor-pg',
    requests: randomIdPath('/blocks/'),
  },
  {
    name: 'health-live',
    label: 'GET /health/live',
    server: 'api',
    requests: () => [{ method: 'GET', path: '/health/live' }],
  },
  jwtRead('read-jwt', 'api', 'GET /api/blocks/{id} JWT'),
  {
    name: 'read-api-key',
    label: 'GET /api/blocks/{id} API key',
    server: 'api',
    operation: 'GET /api/blocks/{id}',
    auth: 'key',
    requests: randomIdPath('/api/blocks/'),
  },
  {
    name: 'list-tag',
    label: 'GET /api/blocks?tag=… JWT',
    server: 'api',
    operation: 'GET /api/blocks',
    auth: 'jwt',
    requests: (f) => [{ method: 'GET', path: `/api/blocks?tag=${encodeURIComponent(f.tag)}` }],
  },
  {
    name: 'search',
    label: 'GET /api/blocks/search?q=… JWT',
    server: 'api',
    operation: 'GET /api/blocks/search',
    auth: 'jwt',
    requests: (f) => [
      { method: 'GET', path: `/api/blocks/search?q=${encodeURIComponent(f.searchTerm)}` },
    ],
  },
  {
    name: 'create',
    label: 'POST /api/blocks JWT (audited)',
    server: 'api',
    operation: 'POST /api/blocks',
    auth: 'jwt',
    requests: () => [
      {
        method: 'POST',
        path: '/api/blocks',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'Bench block',
          content: '# Bench\n\nA block written by `npm run bench`.',
          type: 'markdown',
          tags: ['bench', 'written'],
          metadata: { source: 'bench' },
        }),
      },
    ],
  },
  {
    name: 'assemble',
    label: 'POST /api/documents/{id}/assemble, 200 refs + 50 includes (dry run)',
    server: 'api',
    operation: 'POST /api/documents/{id}/assemble',
    auth: 'jwt',
    requests: (f) => [
      {
        method: 'POST',
        path: `/api/documents/${f.documentId}/assemble`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dryRun: true }),
      },
    ],
  },
  {
    name: 'login',
    label: 'POST /api/auth/login (argon2id)',
    server: 'api',
    operation: 'POST /api/auth/login',
    requests: (f) => [
      {
        method: 'POST',
        path: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: f.login, password: PASSWORD }),
      },
    ],
  },
  jwtRead(
    'read-jwt-no-audit-reads',
    'api-no-audit-reads',
    'GET /api/blocks/{id} JWT, AUDIT_READS=false',
  ),
  jwtRead(
    'read-jwt-no-metrics',
    'api-no-metrics',
    'GET /api/blocks/{id} JWT, METRICS_ENABLED=false',
  ),
  jwtRead(
    'read-jwt-no-audit-reads-no-metrics',
    'api-no-audit-reads-no-metrics',
    'GET /api/blocks/{id} JWT, both off',
  ),
];

interface Context {
  args: BenchArgs;
  workDir: string;
  databaseUrl: string;
  /** CPUs for servers and for the load generator, when pinned. */
  serverCpus?: string;
  stamp: string;
}

function apiEnv(ctx: Context, port: number, extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: ctx.databaseUrl,
    DATA_DIR: join(ctx.workDir, 'data'),
    JWT_SECRET,
    LOG_LEVEL: ctx.args.logLevel,
    ACCESS_TOKEN_TTL: '12h',
    // Limits would distort the runs: the bench measures the work, not the throttle.
    RATE_LIMIT_PER_MINUTE: '1000000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000000',
    LOGIN_MAX_FAILURES: '1000000000',
    SHUTDOWN_TIMEOUT_MS: '15000',
    ...extra,
  };
}

/** Registers the bench user (tenant `bench`), creates its API key, seeds blocks, samples ids. */
async function prepareFixture(ctx: Context): Promise<Fixture> {
  const port = await freePort();
  const api = await ServerProcess.start({
    name: 'api (setup)',
    script: join(DIST, 'apps', 'api', 'src', 'main.js'),
    env: apiEnv(ctx, port, {}),
    logFile: join(ctx.workDir, 'api-setup.log'),
    readyUrl: `http://127.0.0.1:${port}/health/ready`,
  });
  const url = `http://127.0.0.1:${port}`;
  const fixture: Fixture = {
    databaseUrl: ctx.databaseUrl,
    ids: [],
    operations: new Set(),
    tag: 'bench',
    searchTerm: 'content',
  };
  try {
    const doc = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item))
        fixture.operations.add(`${method.toUpperCase()} ${path}`);
    }
    if (fixture.operations.has('POST /api/auth/register')) {
      const username = `bench_${Date.now().toString(36)}`;
      const registered = await postJson(`${url}/api/auth/register`, {
        email: `${username}@bench.example.com`,
        username,
        password: PASSWORD,
        displayName: 'Bench',
        tenantName: TENANT,
      });
      fixture.token = registered.accessToken as string;
      fixture.login = username;
      if (fixture.operations.has('POST /api/auth/api-keys')) {
        const key = await postJson(
          `${url}/api/auth/api-keys`,
          { name: 'bench', scopes: ['read', 'write'] },
          { authorization: `Bearer ${fixture.token}` },
        );
        fixture.apiKey = key.key as string;
      }
    }
  } finally {
    await api.stop();
  }
  if (fixture.login && (await hasTable(ctx.databaseUrl, 'blocks'))) {
    await seed(ctx, fixture.login);
    await withClient(ctx.databaseUrl, async (c) => {
      const tenantId = await tenantOf(c, fixture.login!);
      Object.assign(fixture, await pickFilters(c, tenantId));
      fixture.ids = (
        await c.query<{ id: string }>(
          'SELECT id FROM blocks WHERE tenant_id = $1 ORDER BY random() LIMIT 20000',
          [tenantId],
        )
      ).rows.map((r) => r.id);
      if (await hasTable(ctx.databaseUrl, 'documents')) {
        fixture.documentId = await benchDocument(c, tenantId, fixture.ids);
      }
    });
    process.stdout.write(
      `Fixture: ${fixture.ids.length} ids sampled, list filter ?tag=${fixture.tag}, search ?q=${fixture.searchTerm}\n`,
    );
  }
  return fixture;
}

async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function hasTable(url: string, table: string): Promise<boolean> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ exists: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS exists',
      [table],
    );
    return rows[0].exists;
  });
}

/**
 * The assembly fixture, written as the API writes it: 200 block nodes on seeded blocks, the
 * first 50 of which end with an include of another seeded block (no cycles, depth 1).
 */
async function benchDocument(
  c: Client,
  tenantId: string,
  ids: string[],
): Promise<string | undefined> {
  if (ids.length < 250) return undefined;
  const nodes = ids.slice(0, 200).map((blockId) => ({ kind: 'block', blockId, pin: 'latest' }));
  for (let i = 0; i < 50; i++) {
    await c.query(
      `UPDATE blocks SET type = 'markdown', content = content || chr(10) || '{% include_block "' || $2 || '" %}' || chr(10)
       WHERE id = $1 AND tenant_id = $3`,
      [ids[i], ids[200 + i], tenantId],
    );
  }
  await c.query(`UPDATE blocks SET type = 'markdown' WHERE id = ANY($1::uuid[])`, [
    ids.slice(200, 250),
  ]);
  const id = randomUUID();
  await c.query(
    `INSERT INTO documents (id, tenant_id, title, nodes) VALUES ($1, $2, 'Bench document', $3)`,
    [id, tenantId, JSON.stringify([{ kind: 'toc' }, ...nodes])],
  );
  await c.query(
    `INSERT INTO document_versions (tenant_id, document_id, version, title, variables, slots, nodes, created_at)
     SELECT tenant_id, id, version, title, variables, slots, nodes, updated_at FROM documents WHERE id = $1`,
    [id],
  );
  return id;
}

async function tenantOf(client: Client, username: string): Promise<string> {
  const { rows } = await client.query<{ tenant_id: string }>(
    'SELECT tenant_id FROM users WHERE username = $1',
    [username],
  );
  return rows[0].tenant_id;
}

/** `npm run seed` when the project has it; else the same data straight through SQL. */
async function seed(ctx: Context, username: string): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const started = Date.now();
  process.stdout.write(`Seeding ${ctx.args.blocks} blocks in tenant "${TENANT}"…\n`);
  const seedEnv = {
    DATABASE_URL: ctx.databaseUrl,
    NODE_ENV: 'production',
    JWT_SECRET,
    LOG_LEVEL: 'warn',
  };
  const seedArgs = ['--tenant', TENANT, '--blocks', String(ctx.args.blocks)];
  const seedScript = join(DIST, 'scripts', 'seed.js');
  if (existsSync(seedScript)) {
    // Built already (npm run bench builds first): the script itself, not `npm run seed`'s rebuild.
    await run(process.execPath, [seedScript, ...seedArgs], seedEnv);
  } else if (pkg.scripts.seed) {
    await run('npm', ['run', '--silent', 'seed', '--', ...seedArgs], seedEnv);
  } else {
    await withClient(ctx.databaseUrl, async (c) => {
      const { rows } = await c.query<{ id: string; tenant_id: string }>(
        'SELECT id, tenant_id FROM users WHERE username = $1',
        [username],
      );
      await seedBlocksSql(c, rows[0].tenant_id, rows[0].id, ctx.args.blocks);
    });
  }
  process.stdout.write(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

function unavailable(scenario: Scenario, f: Fixture): string | undefined {
  if (scenario.operation && !f.operations.has(scenario.operation))
    return `${scenario.operation} is not in the API yet`;
  if (scenario.auth === 'jwt' && !f.token) return 'no registration route yet';
  if (scenario.auth === 'key' && !f.apiKey) return 'no API keys yet';
  if (scenario.name === 'login' && !f.login) return 'no user';
  if (scenario.name === 'assemble' && !f.documentId) return 'no bench document';
  if (
    (scenario.server === 'anchor-pg' || scenario.operation?.includes('{id}')) &&
    f.ids.length === 0
  )
    return 'no blocks seeded';
  return undefined;
}

async function runScenario(
  ctx: Context,
  scenario: Scenario,
  f: Fixture,
  port: number,
): Promise<LoadResult> {
  const headers: Record<string, string> = {};
  if (scenario.auth === 'jwt') headers.authorization = `Bearer ${f.token}`;
  if (scenario.auth === 'key') headers['x-api-key'] = f.apiKey!;
  const base = {
    url: `http://127.0.0.1:${port}`,
    connections: ctx.args.connections,
    headers,
    requests: scenario.requests(f),
  };
  if (ctx.args.warmupSeconds > 0) await load({ ...base, durationSeconds: ctx.args.warmupSeconds });
  const runs: LoadResult[] = [];
  for (let i = 0; i < ctx.args.repeat; i++) {
    runs.push(await load({ ...base, durationSeconds: ctx.args.durationSeconds }));
  }
  const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  // Failures count over every run, not only the median one.
  return {
    ...median,
    errors: runs.reduce((a, r) => a + r.errors, 0),
    timeouts: runs.reduce((a, r) => a + r.timeouts, 0),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    runs: runs.map((r) => r.requestsPerSecond),
  };
}

async function runTable(ctx: Context, f: Fixture): Promise<ScenarioReport[]> {
  const selected = SCENARIOS.filter(
    (s) =>
      ctx.args.only.length === 0 ||
      ctx.args.only.some((o) => s.name.startsWith(o)) ||
      s.server.startsWith('anchor'),
  );
  const results = new Map<string, LoadResult & { skipped?: string }>();
  const servers = [...new Set(selected.map((s) => s.server))];
  for (const serverName of servers) {
    const group = selected.filter((s) => s.server === serverName);
    const runnable = group.filter((s) => {
      const why = unavailable(s, f);
      if (why) results.set(s.name, { ...emptyResult(), skipped: why });
      return !why;
    });
    if (runnable.length === 0) continue;
    const port = await freePort();
    const server = await startServerOn(ctx, serverName, port);
    try {
      for (const scenario of runnable) {
        process.stdout.write(`→ ${scenario.label} … `);
        const result = await runScenario(ctx, scenario, f, port);
        results.set(scenario.name, result);
        const failed = result.errors + result.timeouts + result.non2xx;
        process.stdout.write(
          `${result.requestsPerSecond} req/s${result.runs && result.runs.length > 1 ? ` (runs: ${result.runs.join(', ')})` : ''}, p99 ${result.latencyMs.p99} ms${failed ? `, ${failed} FAILED ${JSON.stringify(result.statusCodes)}` : ''}\n`,
        );
      }
      if (!serverName.startsWith('anchor')) {
        const memory = await server.memory();
        process.stdout.write(
          `  ${serverName}: RSS ${(memory.rss / MIB).toFixed(1)} MiB, heap used ${(memory.heapUsed / MIB).toFixed(1)} MiB\n`,
        );
      }
    } finally {
      const code = await server.stop();
      if (code !== 0 && code !== null)
        process.stdout.write(`  ${serverName} exited with code ${code} (see its log)\n`);
    }
  }
  const hello = results.get('anchor-hello');
  const pg = results.get('anchor-pg-read');
  const ratio = (value: number, anchor?: LoadResult & { skipped?: string }): number | null =>
    anchor && !anchor.skipped && anchor.requestsPerSecond > 0
      ? value / anchor.requestsPerSecond
      : null;
  return selected.map((s) => {
    const r = results.get(s.name) ?? { ...emptyResult(), skipped: 'not run' };
    return {
      name: s.name,
      label: s.label,
      server: s.server,
      ...r,
      ratioToHello: r.skipped ? null : ratio(r.requestsPerSecond, hello),
      ratioToPgRead: r.skipped ? null : ratio(r.requestsPerSecond, pg),
    };
  });
}

async function startServerOn(ctx: Context, name: ServerName, port: number): Promise<ServerProcess> {
  const logFile = join(ctx.workDir, `${name}.log`);
  if (name === 'anchor-hello' || name === 'anchor-pg') {
    return ServerProcess.start({
      name,
      script: join(DIST, 'bench', 'servers', name === 'anchor-hello' ? 'hello.js' : 'pg-read.js'),
      env: { PORT: String(port), DATABASE_URL: ctx.databaseUrl },
      cpus: ctx.serverCpus,
      logFile,
      readyUrl: `http://127.0.0.1:${port}/${name === 'anchor-hello' ? '' : 'ready'}`,
    });
  }
  const profileDir = resolve(ROOT, ctx.args.outDir, 'profiles');
  if (ctx.args.cpuProf) mkdirSync(profileDir, { recursive: true });
  return ServerProcess.start({
    name,
    script: join(DIST, 'apps', 'api', 'src', 'main.js'),
    nodeFlags: [
      '-r',
      join(DIST, 'bench', 'servers', 'memory-probe.js'),
      ...(ctx.args.cpuProf
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${profileDir}`,
            `--cpu-prof-name=${ctx.stamp}-${name}.cpuprofile`,
          ]
        : []),
    ],
    env: apiEnv(ctx, port, API_VARIANTS[name]),
    cpus: ctx.serverCpus,
    logFile,
    readyUrl: `http://127.0.0.1:${port}/health/ready`,
  });
}

function emptyResult(): LoadResult {
  return {
    requestsPerSecond: 0,
    total: 0,
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    statusCodes: {},
  };
}

function evaluateTargets(rows: ScenarioReport[]): TargetReport[] {
  const get = (name: string): ScenarioReport | undefined => {
    const row = rows.find((r) => r.name === name);
    return row && !row.skipped ? row : undefined;
  };
  const pg = get('anchor-pg-read');
  const jwt = get('read-jwt');
  const key = get('read-api-key');
  const create = get('create');
  const bare = get('read-jwt-no-audit-reads-no-metrics');
  const targets: TargetReport[] = [];
  const ratio = (a?: ScenarioReport, b?: ScenarioReport): number | undefined =>
    a && b && b.requestsPerSecond > 0 ? a.requestsPerSecond / b.requestsPerSecond : undefined;
  const add = (
    name: string,
    value: number | undefined,
    target: string,
    ok: (v: number) => boolean,
    show = (v: number) => `${(v * 100).toFixed(1)} %`,
  ): void => {
    targets.push({
      name,
      measured: value === undefined ? 'not measured' : show(value),
      target,
      met: value === undefined ? null : ok(value),
    });
  };
  add('JWT read / pg read', ratio(jwt, pg), '≥ 50 %', (v) => v >= 0.5);
  add(
    'JWT read p99',
    jwt?.latencyMs.p99,
    '< 50 ms',
    (v) => v < 50,
    (v) => `${v} ms`,
  );
  add('API-key read / JWT read', ratio(key, jwt), '≥ 95 %', (v) => v >= 0.95);
  add('audited create / pg read', ratio(create, pg), '≥ 20 %', (v) => v >= 0.2);
  const cost = jwt && bare ? 1 - jwt.requestsPerSecond / bare.requestsPerSecond : undefined;
  add('read audit + metrics cost', cost, '< 15 %', (v) => v < 0.15);
  const audit = get('read-jwt-no-audit-reads');
  const metrics = get('read-jwt-no-metrics');
  if (jwt && audit)
    add(
      '  of which read audit',
      1 - jwt.requestsPerSecond / audit.requestsPerSecond,
      '(info)',
      () => true,
    );
  if (jwt && metrics)
    add(
      '  of which metrics',
      1 - jwt.requestsPerSecond / metrics.requestsPerSecond,
      '(info)',
      () => true,
    );
  return targets;
}

/** Mixed traffic for N seconds; RSS and heap of the API every 10 s. */
async function runSoak(
  ctx: Context,
  f: Fixture,
): Promise<{ samples: SoakSample[]; failed: number; result: LoadResult; targets: TargetReport[] }> {
  const port = await freePort();
  const server = await startServerOn(ctx, 'api', port);
  const requests: RequestSpec[] = [{ method: 'GET', path: '/health/live' }];
  const withHeader = (spec: RequestSpec, headers: Record<string, string>): RequestSpec => ({
    ...spec,
    headers: { ...spec.headers, ...headers },
  });
  const jwt = f.token ? { authorization: `Bearer ${f.token}` } : undefined;
  for (const scenario of SCENARIOS.filter(
    (s) => s.server === 'api' && s.name !== 'login' && s.name !== 'health-live',
  )) {
    if (unavailable(scenario, f)) continue;
    const headers: Record<string, string> =
      scenario.auth === 'key' ? { 'x-api-key': f.apiKey! } : (jwt ?? {});
    // Reads dominate real traffic: three reads for every other operation.
    const times = scenario.name === 'read-jwt' ? 3 : 1;
    for (let i = 0; i < times; i++)
      requests.push(...scenario.requests(f).map((r) => withHeader(r, headers)));
  }
  process.stdout.write(
    `Soak: ${requests.length} request kinds in rotation, ${ctx.args.soakSeconds} s at ${ctx.args.connections} connections\n`,
  );
  const samples: SoakSample[] = [];
  const started = Date.now();
  let answered = 0;
  const sample = async (): Promise<void> => {
    const m = await server.memory();
    const s: SoakSample = {
      seconds: Math.round((Date.now() - started) / 1000),
      rssMiB: m.rss / MIB,
      heapUsedMiB: m.heapUsed / MIB,
      heapTotalMiB: m.heapTotal / MIB,
      requests: answered,
    };
    samples.push(s);
    process.stdout.write(
      `  t=${s.seconds}s RSS ${s.rssMiB.toFixed(1)} MiB heap ${s.heapUsedMiB.toFixed(1)}/${s.heapTotalMiB.toFixed(1)} MiB\n`,
    );
  };
  await sample();
  const timer = setInterval(() => void sample(), 10_000);
  let result: LoadResult;
  try {
    result = await load({
      url: `http://127.0.0.1:${port}`,
      connections: ctx.args.connections,
      durationSeconds: ctx.args.soakSeconds,
      requests,
      onTick: (n) => (answered += n),
    });
    answered = result.total;
  } finally {
    clearInterval(timer);
  }
  await sample();
  await server.stop();
  const half = samples.filter((s) => s.seconds >= ctx.args.soakSeconds / 2);
  const last = samples[samples.length - 1];
  const growth = half.length >= 2 ? slopeMiBPerMinute(half) : undefined;
  const targets: TargetReport[] = [
    {
      name: 'RSS after the soak',
      measured: `${last.rssMiB.toFixed(1)} MiB`,
      target: '< 250 MiB',
      met: last.rssMiB < 250,
    },
    {
      name: 'RSS trend over the last half',
      measured: growth === undefined ? 'too short' : `${growth.toFixed(2)} MiB/min`,
      target: '< 1 MiB/min (flat)',
      met: growth === undefined ? null : growth < 1,
    },
  ];
  return { samples, failed: result.errors + result.timeouts + result.non2xx, result, targets };
}

/** Least-squares slope of RSS against time. */
function slopeMiBPerMinute(samples: SoakSample[]): number {
  const n = samples.length;
  const mx = samples.reduce((a, s) => a + s.seconds, 0) / n;
  const my = samples.reduce((a, s) => a + s.rssMiB, 0) / n;
  const num = samples.reduce((a, s) => a + (s.seconds - mx) * (s.rssMiB - my), 0);
  const den = samples.reduce((a, s) => a + (s.seconds - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), process.env);
  for (const file of [
    'apps/api/src/main.js',
    'bench/servers/hello.js',
    'libs/database/src/cli.js',
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
    const ctx: Context = { args, workDir, databaseUrl, stamp };
    if (canPin) {
      // The servers get one core; the load generator and PostgreSQL share the other.
      const last = cpus().length - 1;
      ctx.serverCpus = String(last);
      const others = last === 1 ? '0' : `0-${last - 1}`;
      await pin(process.pid, others);
      const pidFile = join(workDir, 'pg-data', 'pg', 'postmaster.pid');
      if (existsSync(pidFile))
        await pin(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), others);
    }
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
      process.stdout.write(`\n${formatSoak(soak.samples)}\n\n${formatTargets(soak.targets)}\n`);
      const file = join(outDir, `${stamp}-soak`);
      writeFileSync(
        `${file}.json`,
        `${JSON.stringify({ ...info, soakSeconds: args.soakSeconds, samples: soak.samples, load: soak.result, targets: soak.targets }, null, 2)}\n`,
      );
      writeFileSync(
        `${file}.svg`,
        memoryChartSvg(
          `API memory under ${args.soakSeconds} s of mixed traffic (${stamp})`,
          soak.samples,
        ),
      );
      process.stdout.write(`\nWrote ${file}.json and ${file}.svg\n`);
      if (soak.failed > 0) {
        process.stdout.write(
          `${soak.failed} requests failed: ${JSON.stringify(soak.result.statusCodes)}\n`,
        );
        exitCode = 1;
      }
      if (args.strict && soak.targets.some((t) => t.met === false)) exitCode = 1;
    } else {
      const rows = await runTable(ctx, fixture);
      const targets = evaluateTargets(rows);
      process.stdout.write(`\n${formatTable(rows)}\n\n${formatTargets(targets)}\n`);
      const file = join(outDir, stamp);
      writeFileSync(
        `${file}.json`,
        `${JSON.stringify({ ...info, scenarios: rows, targets }, null, 2)}\n`,
      );
      writeFileSync(
        `${file}.svg`,
        barChartSvg(
          `Content Blocks bench ${stamp}: ${args.connections} connections × ${args.durationSeconds} s`,
          rows,
        ),
      );
      writeFileSync(`${file}.md`, `${formatTable(rows, true)}\n`);
      process.stdout.write(`\nWrote ${file}.json, .svg and .md\n`);
      const failed = rows.reduce((a, r) => a + r.errors + r.timeouts + r.non2xx, 0);
      if (failed > 0) {
        process.stdout.write(`${failed} requests failed (see the errors and non-2xx columns)\n`);
        exitCode = 1;
      }
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
