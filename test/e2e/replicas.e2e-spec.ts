import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@app/database';
import { createApiKey, createUserInTenant, login, registerUser } from '../support/auth-fixtures';
import { HttpClient } from '../support/http-client';
import { parsePrometheus, sum } from '../support/prometheus';
import { type SpawnedApi, spawnApi, waitFor } from '../support/spawn-api';
import { createTestDatabase } from '../support/test-database';
import { TEST_JWT_SECRET } from '../support/test-app';

// Two API processes start, and several argon2id hashes run per test, on a 2-core machine.

interface Replica {
  api: SpawnedApi;
  http: HttpClient;
}

/** Starts the built API as its own process on `databaseUrl`; resolves once it is ready. */
async function startReplica(databaseUrl: string): Promise<Replica> {
  const port = await freePort();
  const api = spawnApi({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'cb-replica-')),
    JWT_SECRET: TEST_JWT_SECRET,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_AUTH_PER_MINUTE: '10000',
  });
  const http = new HttpClient(`http://127.0.0.1:${port}`);
  await waitFor(
    async () => {
      if (api.child.exitCode !== null) throw new Error(`replica exited: ${api.stderr.join('')}`);
      return (await http.get('/health/ready').catch(() => ({ status: 0 }))).status === 200;
    },
    60_000,
    'a replica to be ready',
  );
  return { api, http };
}

async function stopReplica(replica: Replica | undefined): Promise<void> {
  if (!replica || replica.api.child.exitCode !== null) return;
  replica.api.child.kill('SIGTERM');
  await replica.api.exited;
}

/** Polls until the request answers `status`; returns how long that took (ms). */
async function until(
  http: HttpClient,
  request: (http: HttpClient) => Promise<{ status: number }>,
  status: number,
): Promise<number> {
  // Far inside the 30 s identity cache: only the notification can make B change its answer.
  const started = Date.now();
  while (Date.now() - started < 5_000) {
    if ((await request(http)).status === status) return (await request(http)).status;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`did not answer ${status} within 5 s`);
}

describe('two API processes on one database see each other’s revocations at once', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    database = await createTestDatabase();
    [a, b] = await Promise.all([startReplica(database.url), startReplica(database.url)]);
  });
  afterAll(async () => {
    await Promise.all([stopReplica(b), stopReplica(a)]);
    await database?.drop();
  });

  it('runs as two processes, each exporting its own metrics', async () => {
    expect(a.api.child.pid).not.toBe(b.api.child.pid);
    for (let i = 0; i < 3; i++) expect((await a.http.get('/health/live')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await b.http.get('/health/live')).status).toBe(200);
    const live = async (replica: Replica) => {
      const res = await replica.http.get('/metrics');
      expect(res.status).toBe(200);
      const samples = parsePrometheus(res.text);
      expect(sum(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
      return sum(samples, 'http_requests_total', { route: '/health/live' });
    };
    expect(await live(a)).toBe(3);
    expect(await live(b)).toBe(2);
  });

  it('logout through A: B refuses the access token before its cache expires (B had it cached)', async () => {
    const u = await registerUser(a.http);
    expect((await b.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(200);
    expect(
      (await a.http.post('/api/auth/logout', undefined, { token: u.accessToken })).status,
    ).toBe(204);
    expect(await until(b.http, (h) => h.get('/api/auth/me', { token: u.accessToken }), 401)).toBe(
      401,
    );
  });

  it('refresh reuse through B revokes the session on A too', async () => {
    const u = await registerUser(a.http);
    const rotated = await a.http.post('/api/auth/refresh', { refreshToken: u.refreshToken });
    expect((await a.http.get('/api/auth/me', { token: rotated.body.accessToken })).status).toBe(
      200,
    );
    expect((await b.http.post('/api/auth/refresh', { refreshToken: u.refreshToken })).status).toBe(
      401,
    );
    expect(
      await until(a.http, (h) => h.get('/api/auth/me', { token: rotated.body.accessToken }), 401),
    ).toBe(401);
  });

  it('an API key revoked through A stops working on B before its cache expires', async () => {
    const u = await registerUser(a.http);
    const key = await createApiKey(a.http, u.accessToken, { scopes: ['read'] });
    expect((await b.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(200);
    expect(
      (await a.http.delete(`/api/auth/api-keys/${key.id}`, { token: u.accessToken })).status,
    ).toBe(204);
    expect(await until(b.http, (h) => h.get('/api/auth/me', { apiKey: key.key }), 401)).toBe(401);
  });

  it('a rotated key without grace stops working on B before its cache expires', async () => {
    const u = await registerUser(a.http);
    const key = await createApiKey(a.http, u.accessToken, { scopes: ['read'] });
    expect((await b.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(200);
    const rotated = await a.http.post(
      `/api/auth/api-keys/${key.id}/rotate`,
      {},
      { token: u.accessToken },
    );
    expect(rotated.status).toBe(201);
    expect(await until(b.http, (h) => h.get('/api/auth/me', { apiKey: key.key }), 401)).toBe(401);
    expect((await b.http.get('/api/auth/me', { apiKey: rotated.body.key })).status).toBe(200);
  });

  it('deactivating a user through A ends its token and key on B; a demotion applies on B', async () => {
    const admin = await registerUser(a.http);
    const member = await createUserInTenant(a.http, admin.accessToken, 'admin');
    const key = await createApiKey(a.http, member.accessToken, { scopes: ['admin'] });
    expect((await b.http.get('/api/auth/users', { token: member.accessToken })).status).toBe(200);
    expect((await b.http.get('/api/auth/users', { apiKey: key.key })).status).toBe(200);
    await a.http.patch(
      `/api/auth/users/${member.user.id}`,
      { role: 'guest' },
      { token: admin.accessToken },
    );
    expect(await until(b.http, (h) => h.get('/api/auth/users', { apiKey: key.key }), 403)).toBe(
      403,
    );
    expect(
      await until(b.http, (h) => h.get('/api/auth/users', { token: member.accessToken }), 403),
    ).toBe(403);
    await a.http.patch(
      `/api/auth/users/${member.user.id}`,
      { isActive: false },
      { token: admin.accessToken },
    );
    expect(
      await until(b.http, (h) => h.get('/api/auth/me', { token: member.accessToken }), 401),
    ).toBe(401);
    expect(await until(b.http, (h) => h.get('/api/auth/me', { apiKey: key.key }), 401)).toBe(401);
  });

  it('a password change through A ends the other sessions on B', async () => {
    const u = await registerUser(a.http);
    const other = await login(b.http, u.user.username, u.password);
    expect((await b.http.get('/api/auth/me', { token: other.accessToken })).status).toBe(200);
    const res = await a.http.post(
      '/api/auth/change-password',
      { currentPassword: u.password, newPassword: `${u.password}-renewed` },
      { token: u.accessToken },
    );
    expect(res.status).toBe(204);
    expect(
      await until(b.http, (h) => h.get('/api/auth/me', { token: other.accessToken }), 401),
    ).toBe(401);
    expect((await b.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(200);
  });
});
