import { createApiKey, registerUser } from '../support/auth-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('authenticated answers are never cached', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends Cache-Control: no-store for bearer and API-key callers alike', async () => {
    const user = await registerUser(t.http);
    const key = await createApiKey(t.http, user.accessToken, { scopes: ['read'] });
    for (const res of [
      await t.http.get('/api/auth/me', { token: user.accessToken }),
      await t.http.get('/api/blocks', { token: user.accessToken }),
      await t.http.get('/api/auth/api-keys', { token: user.accessToken }),
      await t.http.get('/api/blocks', { apiKey: key.key }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    // public probes keep their own caching rules
    expect((await t.http.get('/health/live')).headers.get('cache-control')).not.toBe('no-store');
  });
});

describe('DOCS_ENABLED=false', () => {
  it('serves no Swagger UI and no OpenAPI document, and the API still works', async () => {
    const t = await startTestApp({ env: { DOCS_ENABLED: 'false' } });
    try {
      for (const path of ['/docs', '/docs-json', '/docs-yaml']) {
        expect((await t.http.get(path)).status).toBe(404);
      }
      expect((await t.http.get('/health/live')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('GET /health detail outside development', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(48), CORS_ORIGINS: '' };

  it('is closed in production without HEALTH_DETAIL_TOKEN; the probes stay open', async () => {
    const t = await startTestApp({ env: production });
    try {
      const detail = await t.http.get('/health');
      expect(detail.status).toBe(401);
      expect(detail.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(detail.body.detail).toMatch(/HEALTH_DETAIL_TOKEN/);
      expect(detail.text).not.toMatch(/memory_heap|disk/);
      expect((await t.http.get('/health/live')).status).toBe(200);
      expect((await t.http.get('/health/ready')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('answers only the bearer HEALTH_DETAIL_TOKEN when one is set', async () => {
    const token = 'health-detail-token-0123456789';
    const t = await startTestApp({ env: { ...production, HEALTH_DETAIL_TOKEN: token } });
    try {
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789', token]) {
        const headers = authorization ? { authorization } : undefined;
        expect((await t.http.get('/health', { headers })).status).toBe(401);
      }
      const detail = await t.http.get('/health', { headers: { authorization: `Bearer ${token}` } });
      expect(detail.status).toBe(200);
      expect(Object.keys(detail.body.details)).toEqual(
        expect.arrayContaining(['database', 'memory_heap', 'disk']),
      );
    } finally {
      await t.close();
    }
  });
});
