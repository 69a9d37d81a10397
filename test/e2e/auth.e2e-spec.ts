import {
  createApiKey,
  login,
  registerUser,
  strongPassword,
  uniqueSuffix,
} from '../support/auth-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('auth: register, login, tokens, sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers a new tenant with its first admin and returns a token pair', async () => {
    const suffix = uniqueSuffix();
    const res = await t.http.post('/api/auth/register', {
      email: `Ada-${suffix}@Example.com`,
      username: `ada_${suffix}`,
      password: strongPassword(),
      displayName: 'Ada',
      tenantName: 'Analytical Engines',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { role: 'admin', username: `ada_${suffix}`, isActive: true, displayName: 'Ada' },
    });
    expect(typeof res.body.accessToken).toBe('string');
    expect(typeof res.body.refreshToken).toBe('string');
    expect(res.body.user).not.toHaveProperty('passwordHash');
    const tenants = await t.db.query('SELECT name FROM tenants WHERE id = $1', [
      res.body.user.tenantId,
    ]);
    expect(tenants.rows[0].name).toBe('Analytical Engines');
  });

  it('logs in with username or email, case-insensitively, and GET /me answers the user', async () => {
    const u = await registerUser(t.http);
    const byName = await t.http.post('/api/auth/login', {
      login: u.user.username.toUpperCase(),
      password: u.password,
    });
    expect(byName.status).toBe(200);
    expect(byName.headers.get('cache-control')).toBe('no-store');
    const byEmail = await login(t.http, u.user.email.toUpperCase(), u.password);
    const me = await t.http.get('/api/auth/me', { token: byEmail.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: u.user.id, tenantId: u.tenantId });
  });

  it('answers every login failure with the same 401', async () => {
    const u = await registerUser(t.http);
    const wrongPassword = await t.http.post('/api/auth/login', {
      login: u.user.username,
      password: 'definitely not the password',
    });
    const unknownUser = await t.http.post('/api/auth/login', {
      login: `nobody-${uniqueSuffix()}`,
      password: 'definitely not the password',
    });
    for (const res of [wrongPassword, unknownUser]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
    expect(wrongPassword.body.detail).toBe(unknownUser.body.detail);
  });

  it('logout makes the access token fail at once', async () => {
    const u = await registerUser(t.http);
    expect((await t.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(200);
    expect(
      (await t.http.post('/api/auth/logout', undefined, { token: u.accessToken })).status,
    ).toBe(204);
    const after = await t.http.get('/api/auth/me', { token: u.accessToken });
    expect(after.status).toBe(401);
    const refresh = await t.http.post('/api/auth/refresh', { refreshToken: u.refreshToken });
    expect(refresh.status).toBe(401);
  });

  it('authenticates with an API key', async () => {
    const u = await registerUser(t.http);
    const key = await createApiKey(t.http, u.accessToken, { scopes: ['read'] });
    expect(key.key).toMatch(/^cb_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    const me = await t.http.get('/api/auth/me', { apiKey: key.key });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(u.user.id);
  });
});
