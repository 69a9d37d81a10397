import { createUserInTenant, registerUser } from '../support/auth-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('API keys cannot lift their owner above the role limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_AUTH_PER_MINUTE: '1000',
        RATE_LIMIT_PER_MINUTE: '1000',
        RATE_LIMIT_PER_MINUTE_GUEST: '3',
        API_KEYS_MAX_PER_USER: '4',
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const keyCount = async (userId: string): Promise<number> =>
    (await t.db.query(`SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1`, [userId]))
      .rows[0].n;

  it("refuses a key limit above the owner's role limit, and stores nothing", async () => {
    const admin = await registerUser(t.http);
    const guest = await createUserInTenant(t.http, admin.accessToken, 'guest');
    const res = await t.http.post(
      '/api/auth/api-keys',
      { name: 'fast', scopes: ['read'], rateLimitPerMinute: 100000 },
      { token: guest.accessToken },
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toContain('at most 3');
    expect(await keyCount(guest.user.id)).toBe(0);

    // at the ceiling is fine, and the ceiling (not the key's own limit) is what a key spends
    const ok = await t.http.post(
      '/api/auth/api-keys',
      { name: 'at ceiling', scopes: ['read'], rateLimitPerMinute: 3 },
      { token: guest.accessToken },
    );
    expect(ok.status).toBe(201);
    const plain = await t.http.post(
      '/api/auth/api-keys',
      { name: 'no own limit', scopes: ['read'] },
      { token: guest.accessToken },
    );
    expect(plain.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await t.http.get('/api/blocks', { apiKey: plain.body.key });
      statuses.push(r.status);
      if (i === 0) expect(r.headers.get('x-ratelimit-limit')).toBe('3');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('lowers an existing key above the ceiling to the role limit at request time', async () => {
    const admin = await registerUser(t.http);
    const member = await createUserInTenant(t.http, admin.accessToken, 'user');
    const key = await t.http.post(
      '/api/auth/api-keys',
      { name: 'before demotion', scopes: ['read'], rateLimitPerMinute: 500 },
      { token: member.accessToken },
    );
    expect(key.status).toBe(201);
    const demoted = await t.http.patch(
      `/api/auth/users/${member.user.id}`,
      { role: 'guest' },
      { token: admin.accessToken },
    );
    expect(demoted.status).toBe(200);
    const r = await t.http.get('/api/blocks', { apiKey: key.body.key });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ratelimit-limit')).toBe('3');
  });

  it('caps live keys per user, even when created concurrently; revoking frees a place', async () => {
    const user = await registerUser(t.http);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.http.post(
          '/api/auth/api-keys',
          { name: `k${i}`, scopes: ['read'] },
          { token: user.accessToken },
        ),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 409, 409, 409, 409, 409, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(refused.body.detail).toContain('4 live API keys');
    expect(await keyCount(user.user.id)).toBe(4);

    const one = answers.find((a) => a.status === 201)!;
    expect(
      (await t.http.delete(`/api/auth/api-keys/${one.body.id}`, { token: user.accessToken }))
        .status,
    ).toBe(204);
    const again = await t.http.post(
      '/api/auth/api-keys',
      { name: 'after revoke', scopes: ['read'] },
      { token: user.accessToken },
    );
    expect(again.status).toBe(201);
  });
});

describe("an admin and another user's key", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('may not rotate it (no secret changes hands), and may still revoke it', async () => {
    const admin = await registerUser(t.http);
    const member = await createUserInTenant(t.http, admin.accessToken, 'user');
    const key = await t.http.post(
      '/api/auth/api-keys',
      { name: 'mine', scopes: ['read'] },
      { token: member.accessToken },
    );
    expect(key.status).toBe(201);
    const before = await t.db.query(`SELECT secret_hash FROM api_keys WHERE id = $1`, [
      key.body.id,
    ]);
    const rotated = await t.http.post(
      `/api/auth/api-keys/${key.body.id}/rotate`,
      {},
      { token: admin.accessToken },
    );
    expect(rotated.status).toBe(403);
    expect(rotated.text).not.toMatch(/cb_[A-Za-z0-9]{8}_/);
    const after = await t.db.query(`SELECT secret_hash FROM api_keys WHERE id = $1`, [key.body.id]);
    expect(after.rows).toEqual(before.rows);
    expect((await t.http.get('/api/blocks', { apiKey: key.body.key })).status).toBe(200);
    // the owner rotates its own key as before
    const own = await t.http.post(
      `/api/auth/api-keys/${key.body.id}/rotate`,
      {},
      { token: member.accessToken },
    );
    expect(own.status).toBe(201);
    expect(
      (await t.http.delete(`/api/auth/api-keys/${key.body.id}`, { token: admin.accessToken }))
        .status,
    ).toBe(204);
  });
});
