import type { HttpResponse } from '../support/http-client';
import { registerUser } from '../support/auth-fixtures';
import { ApiProcess, migrate } from './support/api-process';
import { type OpenApiDocument, fetchOpenApi, hasOperation } from './support/openapi';
import { PostgresCluster } from './support/postgres-cluster';
import { DATABASE_TEXT, expectProblem } from './support/problem';

/**
 * The API on Debian's PostgreSQL (started here, on a free port), which is stopped under it and
 * started again: readiness follows the database, liveness does not, requests fail fast with a
 * 503 problem that says nothing about the database, and the API recovers without a restart.
 */
describe('database outage (Debian PostgreSQL)', () => {
  let pg: PostgresCluster;
  let api: ApiProcess;
  let doc: OpenApiDocument;
  let token: string | undefined;
  let login: { login: string; password: string } | undefined;

  beforeAll(async () => {
    pg = await PostgresCluster.create();
    const url = await pg.createDatabase('cb_resilience_outage');
    migrate(url);
    api = await ApiProcess.start(url);
    doc = await fetchOpenApi(api.http);
    if (hasOperation(doc, 'post', '/api/auth/register')) {
      const user = await registerUser(api.http, { tenantName: 'outage' });
      token = user.accessToken;
      login = { login: user.user.username, password: user.password };
    }
  });

  afterAll(async () => {
    await api?.stop();
    await pg?.destroy();
  });

  /** Requests that need the database, as the routes that exist allow. */
  function databaseBackedRequests(): Array<{
    name: string;
    send: () => Promise<HttpResponse>;
    ok: number;
  }> {
    const requests = [];
    if (login && hasOperation(doc, 'post', '/api/auth/login'))
      requests.push({
        name: 'POST /api/auth/login',
        send: () => api.http.post('/api/auth/login', login),
        ok: 200,
      });
    if (token && hasOperation(doc, 'get', '/api/blocks'))
      requests.push({
        name: 'GET /api/blocks',
        send: () => api.http.get('/api/blocks', { token }),
        ok: 200,
      });
    if (token && hasOperation(doc, 'post', '/api/blocks'))
      requests.push({
        name: 'POST /api/blocks',
        send: () =>
          api.http.post(
            '/api/blocks',
            { title: 'during outage', content: 'x', type: 'text', tags: [], metadata: {} },
            { token },
          ),
        ok: 201,
      });
    return requests;
  }

  it('is ready while the database is up', async () => {
    expect((await api.http.get('/health/ready')).status).toBe(200);
    for (const request of databaseBackedRequests()) {
      expect({ name: request.name, status: (await request.send()).status }).toEqual({
        name: request.name,
        status: request.ok,
      });
    }
  });

  it('turns readiness 503 within 10 s of the database stopping, keeps liveness 200, and answers prompt 503 problems', async () => {
    const stoppedAt = Date.now();
    await pg.stop('fast');
    const tookMs = await api.waitFor(
      async () => (await api.http.get('/health/ready')).status === 503,
      10_000,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    void tookMs;
    expect((await api.http.get('/health/live')).status).toBe(200);

    for (const request of databaseBackedRequests()) {
      const started = Date.now();
      const response = await request.send();
      const elapsed = Date.now() - started;
      expect({ name: request.name, status: response.status }).toEqual({
        name: request.name,
        status: 503,
      });
      expectProblem(response, 503);
      expect(response.body.code).toBe('SERVICE_UNAVAILABLE');
      expect(response.text).not.toMatch(DATABASE_TEXT);
      // The pool's connection timeout bounds the wait: no hang.
      expect(elapsed).toBeLessThan(5_000);
    }
    const ready = await api.http.get('/health/ready');
    expect(ready.text).not.toMatch(/password|ECONNREFUSED/i);
  });

  it('recovers by itself within 30 s of the database coming back', async () => {
    await pg.start();
    await api.waitFor(
      async () => (await api.http.get('/health/ready')).status === 200,
      30_000,
      250,
    );
    for (const request of databaseBackedRequests()) {
      await api.waitFor(async () => (await request.send()).status === request.ok, 30_000, 250);
    }
    expect(api.child.exitCode).toBeNull();
  });
});
