import {
  createApiKey,
  createUserInTenant,
  registerUser,
  type RegisteredUser,
} from '../support/auth-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('api keys', () => {
  let t: TestApp;
  let owner: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: '10000' } });
    owner = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a key shown once; stores only prefix and SHA-256; lists it without the secret', async () => {
    const res = await t.http.post(
      '/api/auth/api-keys',
      { name: 'ci', scopes: ['read', 'write'], rateLimitPerMinute: 50 },
      { token: owner.accessToken },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'ci',
      scopes: ['read', 'write'],
      rateLimitPerMinute: 50,
      expiresAt: null,
    });
    const key: string = res.body.key;
    expect(key).toMatch(/^cb_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(key.split('_')[1]).toBe(res.body.prefix);
    const secret = key.slice(12);
    const stored = await t.db.query(
      `SELECT prefix, encode(secret_hash, 'hex') AS h, row_to_json(api_keys)::text AS row FROM api_keys WHERE id = $1`,
      [res.body.id],
    );
    expect(stored.rows[0].prefix).toBe(res.body.prefix);
    expect(stored.rows[0].h).toHaveLength(64);
    expect(stored.rows[0].row).not.toContain(secret);

    const list = await t.http.get('/api/auth/api-keys', { token: owner.accessToken });
    expect(list.status).toBe(200);
    const item = list.body.items.find((k: { id: string }) => k.id === res.body.id);
    expect(item).toMatchObject({ prefix: res.body.prefix, usageCount: 0, lastUsedAt: null });
    expect(item).not.toHaveProperty('key');
    expect(list.text).not.toContain(secret);
  });

  it('validates the body: scopes, expiry, limits, unknown fields', async () => {
    const bodies = [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['root'] },
      { name: 'x', scopes: ['read', 'read'] },
      { name: 'x', scopes: 'read' },
      { name: '', scopes: ['read'] },
      { name: 'x', scopes: ['read'], expiresAt: 'tomorrow' },
      { name: 'x', scopes: ['read'], expiresAt: '2000-01-01T00:00:00Z' },
      { name: 'x', scopes: ['read'], rateLimitPerMinute: 0 },
      { name: 'x', scopes: ['read'], userId: owner.user.id },
      { name: { nested: 'object' }, scopes: ['read'] },
      { name: 'x', scopes: [{ read: true }] },
      { name: 'x', scopes: ['read'], rateLimitPerMinute: '10' },
    ];
    for (const body of bodies) {
      const res = await t.http.post('/api/auth/api-keys', body, { token: owner.accessToken });
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
    }
  });

  it('never grants scopes beyond the owner’s role', async () => {
    const guest = await createUserInTenant(t.http, owner.accessToken, 'guest');
    const user = await createUserInTenant(t.http, owner.accessToken, 'user');
    const cases: Array<[RegisteredUser, string[], number]> = [
      [guest, ['read'], 201],
      [guest, ['write'], 403],
      [user, ['read', 'write'], 201],
      [user, ['admin'], 403],
      [owner, ['admin'], 201],
    ];
    for (const [who, scopes, status] of cases) {
      const res = await t.http.post(
        '/api/auth/api-keys',
        { name: 'k', scopes },
        { token: who.accessToken },
      );
      expect([who.user.role, scopes, res.status]).toEqual([who.user.role, scopes, status]);
    }
  });

  it('enforces scopes: read for GET, write for writes; keys cannot manage keys or sessions', async () => {
    const readOnly = await createApiKey(t.http, owner.accessToken, { scopes: ['read'] });
    expect((await t.http.get('/api/auth/me', { apiKey: readOnly.key })).status).toBe(200);
    const writeOnly = await createApiKey(t.http, owner.accessToken, { scopes: ['write'] });
    const noRead = await t.http.get('/api/auth/me', { apiKey: writeOnly.key });
    expect(noRead.status).toBe(403);
    expect(noRead.body.reason).toBe('SCOPE_REQUIRED');
    const all = await createApiKey(t.http, owner.accessToken, { scopes: ['admin'] });
    for (const [method, path] of [
      ['POST', '/api/auth/api-keys'],
      ['GET', '/api/auth/api-keys'],
      ['POST', '/api/auth/logout'],
      ['POST', '/api/auth/change-password'],
      ['DELETE', '/api/auth/me'],
      ['GET', '/api/auth/me/export'],
    ]) {
      const res = await t.http.request(method, path, {
        apiKey: all.key,
        body: method === 'POST' ? {} : undefined,
      });
      expect([path, res.status]).toEqual([path, 403]);
    }
  });

  it('refuses malformed, unknown, revoked and expired keys with 401', async () => {
    const key = await createApiKey(t.http, owner.accessToken, { scopes: ['read'] });
    const wrongSecret = `${key.key.slice(0, 12)}${'A'.repeat(43)}`;
    for (const bad of ['nope', 'cb_12345678_short', wrongSecret, `${key.key}x`, '']) {
      const res = await t.http.get('/api/auth/me', { headers: { 'x-api-key': bad } });
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(key.key);
    }
    expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(200);
    const revoked = await t.http.delete(`/api/auth/api-keys/${key.id}`, {
      token: owner.accessToken,
    });
    expect(revoked.status).toBe(204);
    expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(401);
    expect(
      (await t.http.delete(`/api/auth/api-keys/${key.id}`, { token: owner.accessToken })).status,
    ).toBe(404);

    const expiring = await createApiKey(t.http, owner.accessToken, {
      scopes: ['read'],
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect((await t.http.get('/api/auth/me', { apiKey: expiring.key })).status).toBe(200);
    await t.db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expiring.id,
    ]);
    // the cache holds the expiry it read; the row change above is invisible to it, so force a re-read
    await t.http.post(
      `/api/auth/api-keys/${expiring.id}/rotate`,
      { graceSeconds: 60 },
      { token: owner.accessToken },
    );
    expect((await t.http.get('/api/auth/me', { apiKey: expiring.key })).status).toBe(401);
  });

  it('rotates with a grace period: both secrets work until it ends, then only the new one', async () => {
    const key = await createApiKey(t.http, owner.accessToken, { scopes: ['read'] });
    const rotated = await t.http.post(
      `/api/auth/api-keys/${key.id}/rotate`,
      { graceSeconds: 30 },
      { token: owner.accessToken },
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ id: key.id, prefix: key.prefix, scopes: ['read'] });
    expect(rotated.body.key).not.toBe(key.key);
    expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(200);
    expect((await t.http.get('/api/auth/me', { apiKey: rotated.body.key })).status).toBe(200);

    const again = await t.http.post(
      `/api/auth/api-keys/${key.id}/rotate`,
      {},
      { token: owner.accessToken },
    );
    expect(again.status).toBe(201);
    expect((await t.http.get('/api/auth/me', { apiKey: rotated.body.key })).status).toBe(401);
    expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(401);
    expect((await t.http.get('/api/auth/me', { apiKey: again.body.key })).status).toBe(200);

    const bad = await t.http.post(
      `/api/auth/api-keys/${key.id}/rotate`,
      { graceSeconds: -1 },
      { token: owner.accessToken },
    );
    expect(bad.status).toBe(400);
    expect(
      (await t.http.post('/api/auth/api-keys/nope/rotate', {}, { token: owner.accessToken }))
        .status,
    ).toBe(400);
  });

  it('keeps keys per owner: another user gets 404, an admin may list and revoke all of its tenant', async () => {
    const member = await createUserInTenant(t.http, owner.accessToken, 'user');
    const memberKey = await createApiKey(t.http, member.accessToken, { scopes: ['read'] });
    const other = await registerUser(t.http);
    expect(
      (await t.http.delete(`/api/auth/api-keys/${memberKey.id}`, { token: other.accessToken }))
        .status,
    ).toBe(404);
    const ownerKey = await createApiKey(t.http, owner.accessToken, { scopes: ['read'] });
    expect(
      (await t.http.delete(`/api/auth/api-keys/${ownerKey.id}`, { token: member.accessToken }))
        .status,
    ).toBe(404);
    const memberList = await t.http.get('/api/auth/api-keys', { token: member.accessToken });
    expect(memberList.body.items.map((k: { id: string }) => k.id)).toEqual([memberKey.id]);
    expect(
      (await t.http.get('/api/auth/api-keys?all=true', { token: member.accessToken })).status,
    ).toBe(403);
    const all = await t.http.get('/api/auth/api-keys?all=true&limit=100', {
      token: owner.accessToken,
    });
    expect(all.body.items.map((k: { id: string }) => k.id)).toContain(memberKey.id);
    const otherAll = await t.http.get('/api/auth/api-keys?all=true', { token: other.accessToken });
    expect(otherAll.body.items).toHaveLength(0);
    expect(
      (await t.http.delete(`/api/auth/api-keys/${memberKey.id}`, { token: owner.accessToken }))
        .status,
    ).toBe(204);
    expect((await t.http.get('/api/auth/me', { apiKey: memberKey.key })).status).toBe(401);
  });

  it('counts usage in batches (lastUsedAt, usageCount) without a write per request', async () => {
    const key = await createApiKey(t.http, owner.accessToken, { scopes: ['read'] });
    for (let i = 0; i < 5; i++) await t.http.get('/api/auth/me', { apiKey: key.key });
    const before = await t.db.query('SELECT usage_count FROM api_keys WHERE id = $1', [key.id]);
    // written in batches every 5 s: right after the requests, usually nothing is stored yet
    expect(Number(before.rows[0].usage_count)).toBeLessThanOrEqual(5);
    await new Promise((r) => setTimeout(r, 5_500));
    const list = await t.http.get('/api/auth/api-keys?limit=100', { token: owner.accessToken });
    const item = list.body.items.find((k: { id: string }) => k.id === key.id);
    expect(item.usageCount).toBe(5);
    expect(item.lastUsedAt).toEqual(expect.any(String));
  }, 20_000);

  it('applies the key’s own rate limit', async () => {
    const key = await createApiKey(t.http, owner.accessToken, {
      scopes: ['read'],
      rateLimitPerMinute: 3,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http.get('/api/auth/me', { apiKey: key.key });
      statuses.push(res.status);
      if (res.status === 200) expect(res.headers.get('x-ratelimit-limit')).toBe('3');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // the owner's own session is counted separately
    expect((await t.http.get('/api/auth/me', { token: owner.accessToken })).status).toBe(200);
  });
});
