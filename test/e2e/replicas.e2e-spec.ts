import { createApiKey, createUserInTenant, login, registerUser } from '../support/auth-fixtures';
import type { HttpClient } from '../support/http-client';
import { startTestApp, type TestApp } from '../support/test-app';

/** Polls until the request answers `status`; returns how long that took (ms). */
async function until(
  http: HttpClient,
  request: (http: HttpClient) => Promise<{ status: number }>,
  status: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 5_000) {
    if ((await request(http)).status === status) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`did not answer ${status} within 5 s`);
}

describe('two API processes on one database see each other’s revocations at once', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: '10000' } });
    b = await startTestApp({
      env: { RATE_LIMIT_AUTH_PER_MINUTE: '10000' },
      databaseUrl: a.databaseUrl,
    });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('logout through A: B refuses the access token within a second (B had it cached)', async () => {
    const u = await registerUser(a.http);
    expect((await b.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(200);
    expect(
      (await a.http.post('/api/auth/logout', undefined, { token: u.accessToken })).status,
    ).toBe(204);
    const ms = await until(b.http, (h) => h.get('/api/auth/me', { token: u.accessToken }), 401);
    expect(ms).toBeLessThan(1_000);
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
    const ms = await until(
      a.http,
      (h) => h.get('/api/auth/me', { token: rotated.body.accessToken }),
      401,
    );
    expect(ms).toBeLessThan(1_000);
  });

  it('an API key revoked through A stops working on B within a second', async () => {
    const u = await registerUser(a.http);
    const key = await createApiKey(a.http, u.accessToken, { scopes: ['read'] });
    expect((await b.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(200);
    expect(
      (await a.http.delete(`/api/auth/api-keys/${key.id}`, { token: u.accessToken })).status,
    ).toBe(204);
    const ms = await until(b.http, (h) => h.get('/api/auth/me', { apiKey: key.key }), 401);
    expect(ms).toBeLessThan(1_000);
  });

  it('a rotated key without grace stops working on B within a second', async () => {
    const u = await registerUser(a.http);
    const key = await createApiKey(a.http, u.accessToken, { scopes: ['read'] });
    expect((await b.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(200);
    const rotated = await a.http.post(
      `/api/auth/api-keys/${key.id}/rotate`,
      {},
      { token: u.accessToken },
    );
    expect(rotated.status).toBe(201);
    const ms = await until(b.http, (h) => h.get('/api/auth/me', { apiKey: key.key }), 401);
    expect(ms).toBeLessThan(1_000);
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
    expect(
      await until(b.http, (h) => h.get('/api/auth/users', { apiKey: key.key }), 403),
    ).toBeLessThan(1_000);
    expect(
      await until(b.http, (h) => h.get('/api/auth/users', { token: member.accessToken }), 403),
    ).toBeLessThan(1_000);
    await a.http.patch(
      `/api/auth/users/${member.user.id}`,
      { isActive: false },
      { token: admin.accessToken },
    );
    expect(
      await until(b.http, (h) => h.get('/api/auth/me', { token: member.accessToken }), 401),
    ).toBeLessThan(1_000);
    expect(
      await until(b.http, (h) => h.get('/api/auth/me', { apiKey: key.key }), 401),
    ).toBeLessThan(1_000);
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
    ).toBeLessThan(1_000);
    expect((await b.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(200);
  });
});
