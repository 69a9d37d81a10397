import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../libs/database/src/free-port';
import { ServerProcess, run } from './processes';
import { pickFilters } from './filters';
import { type BenchContext, DIST, JWT_SECRET, apiEnv, apiScript } from './servers';

/** What the scenarios need: a user with a token and an API key, seeded blocks, filters. */
export interface Fixture {
  databaseUrl: string;
  ids: string[];
  token: string;
  apiKey: string;
  login: string;
  password: string;
  tag: string;
  searchTerm: string;
  /** A document of 200 block nodes, 50 of whose blocks include another block. */
  documentId: string;
}

/** Registers the bench user in a fresh tenant, creates its API key, seeds blocks, samples ids. */
export async function prepareFixture(ctx: BenchContext): Promise<Fixture> {
  // Unique per run: the seed script fills the oldest tenant of that name, and a reused database
  // (--database-url) may hold the tenants of earlier runs.
  const tenant = `bench-${Date.now().toString(36)}`;
  const login = `bench_${Date.now().toString(36)}`;
  const password = `Vivid-${randomBytes(9).toString('base64url')}-Harbor-Lantern`;
  const { token, apiKey } = await registerUser(ctx, tenant, login, password);
  await seed(ctx, tenant);
  const sampled = await withClient(ctx.databaseUrl, async (c) => {
    const tenantId = await tenantOf(c, login);
    const filters = await pickFilters(c, tenantId);
    const ids = (
      await c.query<{ id: string }>(
        'SELECT id FROM blocks WHERE tenant_id = $1 ORDER BY random() LIMIT 20000',
        [tenantId],
      )
    ).rows.map((r) => r.id);
    if (ids.length < 250) throw new Error(`only ${ids.length} blocks seeded: use --blocks ≥ 250`);
    const documentId = await benchDocument(c, tenantId, ids);
    return { ids, documentId, ...filters };
  });
  process.stdout.write(
    `Fixture: ${sampled.ids.length} ids sampled, list filter ?tag=${sampled.tag}, search ?q=${sampled.searchTerm}\n`,
  );
  return { databaseUrl: ctx.databaseUrl, token, apiKey, login, password, ...sampled };
}

/** Starts the API once to register through its own routes, as a client would. */
async function registerUser(
  ctx: BenchContext,
  tenantName: string,
  username: string,
  password: string,
): Promise<{ token: string; apiKey: string }> {
  const port = await freePort();
  const api = await ServerProcess.start({
    name: 'api (setup)',
    script: apiScript(),
    env: apiEnv(ctx, port, {}),
    logFile: join(ctx.workDir, 'api-setup.log'),
    readyUrl: `http://127.0.0.1:${port}/health/ready`,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const registered = await postJson(`${url}/api/auth/register`, {
      email: `${username}@bench.example.com`,
      username,
      password,
      displayName: 'Bench',
      tenantName,
    });
    const token = registered.accessToken as string;
    const key = await postJson(
      `${url}/api/auth/api-keys`,
      { name: 'bench', scopes: ['read', 'write'] },
      { authorization: `Bearer ${token}` },
    );
    return { token, apiKey: key.key as string };
  } finally {
    await api.stop();
  }
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

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The assembly fixture, written as the API writes it: 200 block nodes on seeded blocks, the
 * first 50 of which end with an include of another seeded block (no cycles, depth 1).
 */
async function benchDocument(c: Client, tenantId: string, ids: string[]): Promise<string> {
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

/** The built seed script itself (`npm run bench` builds first), not `npm run seed`'s rebuild. */
async function seed(ctx: BenchContext, tenant: string): Promise<void> {
  const started = Date.now();
  process.stdout.write(`Seeding ${ctx.args.blocks} blocks in tenant "${tenant}"…\n`);
  await run(
    process.execPath,
    [join(DIST, 'scripts', 'seed.js'), '--tenant', tenant, '--blocks', String(ctx.args.blocks)],
    { DATABASE_URL: ctx.databaseUrl, NODE_ENV: 'production', JWT_SECRET, LOG_LEVEL: 'warn' },
  );
  process.stdout.write(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
