import jwt from 'jsonwebtoken';
import {
  createApiKey,
  createUserInTenant,
  login,
  registerUser,
  strongPassword,
  uniqueSuffix,
} from '../support/auth-fixtures';
import { TEST_JWT_SECRET, startTestApp, type TestApp } from '../support/test-app';

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('auth: register, login, tokens, sessions, own account', () => {
  let t: TestApp;
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: '10000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const remember = <T extends { accessToken?: string; refreshToken?: string; password?: string }>(
    value: T,
  ): T => {
    for (const s of [value.accessToken, value.refreshToken, value.password]) if (s) secrets.push(s);
    return value;
  };

  describe('POST /api/auth/register', () => {
    it('creates a tenant with the new user as its admin and answers a token pair', async () => {
      const suffix = uniqueSuffix();
      const password = strongPassword();
      secrets.push(password);
      const res = await t.http.post('/api/auth/register', {
        email: `Ada-${suffix}@Example.com`,
        username: `ada_${suffix}`,
        password,
        displayName: 'Ada',
        tenantName: 'Analytical Engines',
      });
      expect(res.status).toBe(201);
      remember(res.body);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: 900,
        user: { role: 'admin', username: `ada_${suffix}`, isActive: true, displayName: 'Ada' },
      });
      expect(Object.keys(res.body.user).sort()).toEqual(
        [
          'createdAt',
          'displayName',
          'email',
          'id',
          'isActive',
          'role',
          'tenantId',
          'updatedAt',
          'username',
        ].sort(),
      );
      const tenants = await t.db.query('SELECT name FROM tenants WHERE id = $1', [
        res.body.user.tenantId,
      ]);
      expect(tenants.rows[0].name).toBe('Analytical Engines');
      const stored = await t.db.query('SELECT password_hash FROM users WHERE id = $1', [
        res.body.user.id,
      ]);
      expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      // UUID v7
      expect(res.body.user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    });

    it('refuses duplicate emails and usernames case-insensitively with 409', async () => {
      const u = await registerUser(t.http);
      const sameEmail = await t.http.post('/api/auth/register', {
        email: u.user.email.toUpperCase(),
        username: `other_${uniqueSuffix()}`,
        password: strongPassword(),
      });
      expect(sameEmail.status).toBe(409);
      expect(sameEmail.body).toMatchObject({ code: 'CONFLICT', reason: 'EMAIL_TAKEN' });
      const sameName = await t.http.post('/api/auth/register', {
        email: `other-${uniqueSuffix()}@example.com`,
        username: u.user.username.toUpperCase(),
        password: strongPassword(),
      });
      expect(sameName.status).toBe(409);
      expect(sameName.body.reason).toBe('USERNAME_TAKEN');
    });

    it.each([
      ['too short', 'Short-pass-1x'],
      ['common', 'passwordpassword'],
      ['a keyboard walk', 'qwertyuiopasdfghjkl'],
      ['too long', 'x'.repeat(100) + strongPassword().repeat(2)],
    ])('refuses a %s password with 400 and changes nothing', async (_label, password) => {
      const suffix = uniqueSuffix();
      const res = await t.http.post('/api/auth/register', {
        email: `weak-${suffix}@example.com`,
        username: `weak_${suffix}`,
        password,
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors[0].field).toBe('password');
      expect(res.text).not.toContain(password);
      const rows = await t.db.query('SELECT 1 FROM users WHERE username = $1', [`weak_${suffix}`]);
      expect(rows.rowCount).toBe(0);
    });

    it('refuses a password containing the username or the email local part', async () => {
      const suffix = uniqueSuffix();
      const withName = await t.http.post('/api/auth/register', {
        email: `mail${suffix}@example.com`,
        username: `zebra${suffix}`,
        password: `Zebra${suffix}-Lantern-Harbor-42`,
      });
      expect(withName.status).toBe(400);
      expect(withName.body.errors[0].message).toContain('username');
      const withEmail = await t.http.post('/api/auth/register', {
        email: `mail${suffix}@example.com`,
        username: `zebra${suffix}`,
        password: `xMAIL${suffix}-Lantern-Harbor-42`,
      });
      expect(withEmail.status).toBe(400);
      expect(withEmail.body.errors[0].message).toContain('email');
    });

    it('accepts any Unicode password, normalised with NFKC (never truncated)', async () => {
      // U+FB01 (ﬁ ligature) normalises to "fi" under NFKC: both spellings log in.
      const password = 'ﬁrefly über-Straße 東京 lantern 🦊 harbor';
      const u = await registerUser(t.http, { password });
      const nfkc = password.normalize('NFKC');
      expect(
        (await t.http.post('/api/auth/login', { login: u.user.username, password: nfkc })).status,
      ).toBe(200);
      const truncated = password.slice(0, -3);
      expect(
        (await t.http.post('/api/auth/login', { login: u.user.username, password: truncated }))
          .status,
      ).toBe(401);
    });

    it.each([
      ['role', { role: 'admin' }],
      ['tenantId', { tenantId: '01936b9e-3c19-7f00-8a1b-2c3d4e5f6a7b' }],
      ['isActive', { isActive: true }],
    ])('refuses an unknown field (%s) with 400: no mass assignment', async (field, extra) => {
      const suffix = uniqueSuffix();
      const res = await t.http.post('/api/auth/register', {
        email: `mass-${suffix}@example.com`,
        username: `mass_${suffix}`,
        password: strongPassword(),
        ...extra,
      });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      const rows = await t.db.query('SELECT 1 FROM users WHERE username = $1', [`mass_${suffix}`]);
      expect(rows.rowCount).toBe(0);
    });

    it('answers malformed JSON, a non-object body, bad fields and wrong content types without a 500', async () => {
      const malformed = await t.http.post('/api/auth/register', undefined, {
        rawBody: '{"email": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      const array = await t.http.post('/api/auth/register', [1, 2]);
      expect(array.status).toBe(400);
      const badEmail = await t.http.post('/api/auth/register', {
        email: 'not-an-email',
        username: 'x',
        password: 3,
      });
      expect(badEmail.status).toBe(400);
      expect(badEmail.body.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['email', 'username', 'password']),
      );
      const text = await t.http.post('/api/auth/register', undefined, {
        rawBody: 'hello',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status).toBe(415);
    });
  });

  describe('POST /api/auth/login', () => {
    it('logs in with username or email, case-insensitively', async () => {
      const u = await registerUser(t.http);
      const byName = await t.http.post('/api/auth/login', {
        login: u.user.username.toUpperCase(),
        password: u.password,
      });
      expect(byName.status).toBe(200);
      remember(byName.body);
      expect(byName.headers.get('cache-control')).toBe('no-store');
      expect(byName.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      const byEmail = remember(await login(t.http, u.user.email.toUpperCase(), u.password));
      const me = await t.http.get('/api/auth/me', { token: byEmail.accessToken });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: u.user.id, tenantId: u.tenantId });
    });

    it('answers every failure with the same 401 and no hint', async () => {
      const u = remember(await registerUser(t.http));
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
      expect(wrongPassword.body.reason).toBe(unknownUser.body.reason);
    });

    it('refuses a deactivated account with the same 401', async () => {
      const admin = remember(await registerUser(t.http));
      const member = remember(await createUserInTenant(t.http, admin.accessToken, 'user'));
      await t.http.patch(
        `/api/auth/users/${member.user.id}`,
        { isActive: false },
        { token: admin.accessToken },
      );
      const res = await t.http.post('/api/auth/login', {
        login: member.user.username,
        password: member.password,
      });
      expect(res.status).toBe(401);
    });

    it('refuses unknown fields and missing fields with 400', async () => {
      expect((await t.http.post('/api/auth/login', { login: 'a' })).status).toBe(400);
      expect(
        (await t.http.post('/api/auth/login', { login: 'a', password: 'b', remember: true }))
          .status,
      ).toBe(400);
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates: a new pair, and the old refresh token stops working', async () => {
      const u = remember(await registerUser(t.http));
      const first = await t.http.post('/api/auth/refresh', { refreshToken: u.refreshToken });
      expect(first.status).toBe(200);
      remember(first.body);
      expect(first.headers.get('cache-control')).toBe('no-store');
      expect(first.body.refreshToken).not.toBe(u.refreshToken);
      expect(first.body.user.id).toBe(u.user.id);
      expect((await t.http.get('/api/auth/me', { token: first.body.accessToken })).status).toBe(
        200,
      );
      const second = await t.http.post('/api/auth/refresh', {
        refreshToken: first.body.refreshToken,
      });
      expect(second.status).toBe(200);
      remember(second.body);
    });

    it('treats a used refresh token as reuse: 401 and the whole session is revoked', async () => {
      const u = remember(await registerUser(t.http));
      const rotated = await t.http.post('/api/auth/refresh', { refreshToken: u.refreshToken });
      remember(rotated.body);
      const reuse = await t.http.post('/api/auth/refresh', { refreshToken: u.refreshToken });
      expect(reuse.status).toBe(401);
      expect(reuse.body.reason).toBe('REFRESH_TOKEN_REUSED');
      // the successor and its access token die with the session
      expect(
        (await t.http.post('/api/auth/refresh', { refreshToken: rotated.body.refreshToken }))
          .status,
      ).toBe(401);
      expect((await t.http.get('/api/auth/me', { token: rotated.body.accessToken })).status).toBe(
        401,
      );
      expect((await t.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(401);
      const sessions = await t.db.query('SELECT revoked_reason FROM sessions WHERE user_id = $1', [
        u.user.id,
      ]);
      expect(sessions.rows[0].revoked_reason).toBe('refresh_reuse');
    });

    it('gives exactly one new pair to 20 simultaneous refreshes with one token', async () => {
      const u = remember(await registerUser(t.http));
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          t.http.post('/api/auth/refresh', { refreshToken: u.refreshToken }),
        ),
      );
      results.forEach((r) => remember(r.body ?? {}));
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      expect(results.filter((r) => r.status === 401)).toHaveLength(19);
      const tokens = await t.db.query(
        `SELECT count(*)::int AS n FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE s.user_id = $1`,
        [u.user.id],
      );
      expect(tokens.rows[0].n).toBe(2);
    });

    it('answers an unknown or malformed refresh token with 401/400', async () => {
      expect((await t.http.post('/api/auth/refresh', { refreshToken: 'nope' })).status).toBe(401);
      expect((await t.http.post('/api/auth/refresh', { refreshToken: 42 })).status).toBe(400);
      expect((await t.http.post('/api/auth/refresh', {})).status).toBe(400);
    });
  });

  describe('access tokens', () => {
    it('refuses missing, malformed, tampered, expired and foreign-signed tokens with 401', async () => {
      const u = remember(await registerUser(t.http));
      const [header, payload, signature] = u.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const tampered = `${header}.${b64({ ...claims, role: 'guest', exp: claims.exp + 3600 })}.${signature}`;
      const forged = jwt.sign(
        (({ exp: _exp, iat: _iat, ...rest }) => rest)(claims),
        'another-secret-that-is-long-enough-0123456789',
        {
          algorithm: 'HS256',
          expiresIn: 600,
        },
      );
      const expired = jwt.sign(
        { ...claims, iat: claims.iat - 3600, exp: claims.iat - 1800 },
        TEST_JWT_SECRET,
        {
          algorithm: 'HS256',
        },
      );
      const cases: Array<[string, Record<string, string>]> = [
        ['missing', {}],
        ['not bearer', { authorization: `Basic ${u.accessToken}` }],
        ['garbage', { authorization: 'Bearer not.a.jwt' }],
        ['tampered', { authorization: `Bearer ${tampered}` }],
        ['foreign key', { authorization: `Bearer ${forged}` }],
        ['expired', { authorization: `Bearer ${expired}` }],
      ];
      for (const [label, headers] of cases) {
        const res = await t.http.get('/api/auth/me', { headers });
        expect([label, res.status]).toEqual([label, 401]);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    });

    it('pins HS256: refuses an alg "none" token and an HS512 token signed with the right secret', async () => {
      const u = remember(await registerUser(t.http));
      const claims = JSON.parse(Buffer.from(u.accessToken.split('.')[1], 'base64url').toString());
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
      const hs512 = jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS512' });
      for (const token of [none, hs512]) {
        expect((await t.http.get('/api/auth/me', { token })).status).toBe(401);
      }
      expect((await t.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(200);
    });

    it('accepts tokens only in headers, never in the query string', async () => {
      const u = remember(await registerUser(t.http));
      const res = await t.http.get(`/api/auth/me?access_token=${u.accessToken}`);
      expect(res.status).toBe(400);
      expect(res.text).not.toContain(u.accessToken);
      const key = await createApiKey(t.http, u.accessToken);
      secrets.push(key.key);
      expect((await t.http.get(`/api/auth/me?api_key=${key.key}`)).status).toBe(400);
    });
  });

  describe('sessions', () => {
    it('logout makes the access and refresh tokens fail at once', async () => {
      const u = remember(await registerUser(t.http));
      expect((await t.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(200);
      const out = await t.http.post('/api/auth/logout', undefined, { token: u.accessToken });
      expect(out.status).toBe(204);
      expect((await t.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(401);
      expect(
        (await t.http.post('/api/auth/refresh', { refreshToken: u.refreshToken })).status,
      ).toBe(401);
      expect(
        (await t.http.post('/api/auth/logout', undefined, { token: u.accessToken })).status,
      ).toBe(401);
    });

    it('logout ends only the current session', async () => {
      const u = remember(await registerUser(t.http));
      const other = remember(await login(t.http, u.user.username, u.password));
      await t.http.post('/api/auth/logout', undefined, { token: u.accessToken });
      expect((await t.http.get('/api/auth/me', { token: other.accessToken })).status).toBe(200);
    });

    it('change-password ends every other session, keeps this one, and checks the current password', async () => {
      const u = remember(await registerUser(t.http));
      const other = remember(await login(t.http, u.user.username, u.password));
      const newPassword = strongPassword();
      secrets.push(newPassword);
      const wrong = await t.http.post(
        '/api/auth/change-password',
        { currentPassword: 'wrong wrong wrong wrong', newPassword },
        { token: u.accessToken },
      );
      expect(wrong.status).toBe(400);
      const weak = await t.http.post(
        '/api/auth/change-password',
        { currentPassword: u.password, newPassword: 'password1234567' },
        { token: u.accessToken },
      );
      expect(weak.status).toBe(400);
      expect(weak.body.errors[0].field).toBe('newPassword');
      const ok = await t.http.post(
        '/api/auth/change-password',
        { currentPassword: u.password, newPassword },
        { token: u.accessToken },
      );
      expect(ok.status).toBe(204);
      expect((await t.http.get('/api/auth/me', { token: other.accessToken })).status).toBe(401);
      expect(
        (await t.http.post('/api/auth/refresh', { refreshToken: other.refreshToken })).status,
      ).toBe(401);
      expect((await t.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(200);
      expect(
        (await t.http.post('/api/auth/login', { login: u.user.username, password: u.password }))
          .status,
      ).toBe(401);
      remember(await login(t.http, u.user.username, newPassword));
    });

    it('change-password revokes every API key of the caller unless keepApiKeys is true', async () => {
      const u = remember(await registerUser(t.http));
      const [first, second] = [
        await createApiKey(t.http, u.accessToken),
        await createApiKey(t.http, u.accessToken),
      ];
      secrets.push(first.key, second.key);
      expect((await t.http.get('/api/auth/me', { apiKey: first.key })).status).toBe(200);
      const kept = strongPassword();
      secrets.push(kept);
      const keep = await t.http.post(
        '/api/auth/change-password',
        { currentPassword: u.password, newPassword: kept, keepApiKeys: true },
        { token: u.accessToken },
      );
      expect(keep.status).toBe(204);
      expect((await t.http.get('/api/auth/me', { apiKey: first.key })).status).toBe(200);
      const revoked = strongPassword();
      secrets.push(revoked);
      const change = await t.http.post(
        '/api/auth/change-password',
        { currentPassword: kept, newPassword: revoked },
        { token: u.accessToken },
      );
      expect(change.status).toBe(204);
      for (const key of [first, second]) {
        expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(401);
      }
      const listed = await t.http.get('/api/auth/api-keys', { token: u.accessToken });
      expect(listed.body.items).toEqual([]);
      const notBoolean = await t.http.post(
        '/api/auth/change-password',
        { currentPassword: revoked, newPassword: strongPassword(), keepApiKeys: 'yes' },
        { token: u.accessToken },
      );
      expect(notBoolean.status).toBe(400);
    });

    it('refuses the access token of a deactivated or deleted user on the next request', async () => {
      const admin = remember(await registerUser(t.http));
      const a = remember(await createUserInTenant(t.http, admin.accessToken, 'user'));
      const b = remember(await createUserInTenant(t.http, admin.accessToken, 'user'));
      expect((await t.http.get('/api/auth/me', { token: a.accessToken })).status).toBe(200);
      expect((await t.http.get('/api/auth/me', { token: b.accessToken })).status).toBe(200);
      await t.http.patch(
        `/api/auth/users/${a.user.id}`,
        { isActive: false },
        { token: admin.accessToken },
      );
      await t.http.delete(`/api/auth/users/${b.user.id}`, { token: admin.accessToken });
      expect((await t.http.get('/api/auth/me', { token: a.accessToken })).status).toBe(401);
      expect((await t.http.get('/api/auth/me', { token: b.accessToken })).status).toBe(401);
      expect(
        (await t.http.post('/api/auth/refresh', { refreshToken: a.refreshToken })).status,
      ).toBe(401);
    });
  });

  describe('own account', () => {
    it('GET /me works with a bearer token or an API key and never shows a hash', async () => {
      const u = remember(await registerUser(t.http));
      const key = await createApiKey(t.http, u.accessToken, { scopes: ['read'] });
      secrets.push(key.key);
      const viaKey = await t.http.get('/api/auth/me', { apiKey: key.key });
      expect(viaKey.status).toBe(200);
      expect(viaKey.body.id).toBe(u.user.id);
      expect(viaKey.text).not.toMatch(/argon|hash|password/i);
    });

    it('PUT /me changes display name and email; a taken email is a 409; unknown fields a 400', async () => {
      const u = remember(await registerUser(t.http));
      const other = remember(await registerUser(t.http));
      const newEmail = `renamed-${uniqueSuffix()}@example.com`;
      const ok = await t.http.put(
        '/api/auth/me',
        { displayName: 'Renamed', email: newEmail },
        { token: u.accessToken },
      );
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ displayName: 'Renamed', email: newEmail });
      const taken = await t.http.put(
        '/api/auth/me',
        { email: other.user.email.toUpperCase() },
        { token: u.accessToken },
      );
      expect(taken.status).toBe(409);
      const role = await t.http.put('/api/auth/me', { role: 'admin' }, { token: u.accessToken });
      expect(role.status).toBe(400);
      const key = await createApiKey(t.http, u.accessToken, { scopes: ['read', 'write'] });
      secrets.push(key.key);
      expect(
        (await t.http.put('/api/auth/me', { displayName: 'x' }, { apiKey: key.key })).status,
      ).toBe(403);
    });

    it('GET /me/export answers everything stored about the caller without secrets', async () => {
      const u = remember(await registerUser(t.http));
      const key = await createApiKey(t.http, u.accessToken, { name: 'export-key' });
      secrets.push(key.key);
      const res = await t.http.get('/api/auth/me/export', { token: u.accessToken });
      expect(res.status).toBe(200);
      expect(res.body.profile.id).toBe(u.user.id);
      expect(res.body.apiKeys).toHaveLength(1);
      expect(res.body.apiKeys[0]).toMatchObject({ name: 'export-key', prefix: key.prefix });
      expect(res.body.sessions.length).toBeGreaterThanOrEqual(1);
      const actions = res.body.auditTrail.map((e: { action: string }) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['auth.register', 'apikey.create']));
      for (const entry of res.body.auditTrail) expect(entry.actor.userId).toBe(u.user.id);
      expect(res.text).not.toContain(key.key);
      // The secret is everything after `cb_<prefix>_` (base64url, so it may itself hold '_').
      expect(res.text).not.toContain(key.key.slice('cb_'.length + 8 + 1));
      expect(res.text).not.toMatch(/argon|secret_?hash|passwordHash|refreshToken/i);
    });

    it('DELETE /me closes the account: tokens and keys revoked, personal data pseudonymised', async () => {
      const admin = remember(await registerUser(t.http));
      const u = remember(await createUserInTenant(t.http, admin.accessToken, 'user'));
      const key = await createApiKey(t.http, u.accessToken);
      secrets.push(key.key);
      // Personal data the admin and the user write about the user, in user.update entries.
      const renamed = await t.http.patch(
        `/api/auth/users/${u.user.id}`,
        { displayName: 'Renamed Member' },
        { token: admin.accessToken },
      );
      expect(renamed.status).toBe(200);
      const named = await t.http.put(
        '/api/auth/me',
        { displayName: 'Self Named' },
        { token: u.accessToken },
      );
      expect(named.status).toBe(200);
      const res = await t.http.delete('/api/auth/me', { token: u.accessToken });
      expect(res.status).toBe(204);
      expect((await t.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(401);
      expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(401);
      expect(
        (await t.http.post('/api/auth/login', { login: u.user.username, password: u.password }))
          .status,
      ).toBe(401);
      const row = await t.db.query(
        'SELECT email, username, display_name, deleted_at FROM users WHERE id = $1',
        [u.user.id],
      );
      expect(row.rows[0].email).not.toBe(u.user.email);
      expect(row.rows[0].username).not.toBe(u.user.username);
      expect(row.rows[0].deleted_at).not.toBeNull();
      // the audit trail keeps the entries but not the name, IP or user agent
      const trail = await t.db.query(
        'SELECT action, username, ip, user_agent, pseudonymised FROM audit_log WHERE user_id = $1',
        [u.user.id],
      );
      expect(trail.rows.map((r) => r.action)).toEqual(
        expect.arrayContaining(['auth.login', 'apikey.create', 'user.delete']),
      );
      for (const r of trail.rows) {
        expect(r).toMatchObject({
          username: null,
          ip: null,
          user_agent: null,
          pseudonymised: true,
        });
      }
      expect(JSON.stringify(trail.rows)).not.toContain(u.user.email);
      // nor do the entries about the user that others made (the admin's user.create/update)
      const about = await t.db.query(
        `SELECT action, user_id, changes FROM audit_log
         WHERE tenant_id = $1 AND resource_type = 'user' AND resource_id = $2`,
        [u.tenantId, u.user.id],
      );
      expect(about.rows.map((r) => r.action)).toEqual(
        expect.arrayContaining(['user.create', 'user.update']),
      );
      expect(about.rows.some((r) => r.user_id === admin.user.id)).toBe(true);
      const text = JSON.stringify(about.rows);
      for (const personal of [u.user.email, u.user.username, 'Renamed Member', 'Self Named'])
        expect(text).not.toContain(personal);
      expect(text).toMatch(/erased:sha256:[0-9a-f]{64}/);
      const logs = await t.http.get(`/api/audit/logs?resourceId=${u.user.id}&limit=100`, {
        token: admin.accessToken,
      });
      expect(logs.status).toBe(200);
      expect(logs.body.items.length).toBeGreaterThanOrEqual(3);
      expect(JSON.stringify(logs.body)).not.toContain(u.user.email);
      // and the tenant's chain still verifies
      expect((await t.http.get('/api/audit/verify', { token: admin.accessToken })).body.valid).toBe(
        true,
      );
      // the username and email are free again
      remember(await registerUser(t.http, { username: u.user.username, email: u.user.email }));
    });

    it('DELETE /me of the last admin of a tenant with other users is a 409', async () => {
      const admin = remember(await registerUser(t.http));
      remember(await createUserInTenant(t.http, admin.accessToken, 'user'));
      const res = await t.http.delete('/api/auth/me', { token: admin.accessToken });
      expect(res.status).toBe(409);
      expect(res.body.reason).toBe('LAST_ADMIN');
      expect((await t.http.get('/api/auth/me', { token: admin.accessToken })).status).toBe(200);
    });
  });

  it('never writes a password, token or API key into a log line or an error body', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const logs = JSON.stringify(t.logs);
    expect(secrets.length).toBeGreaterThan(20);
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});

describe('auth: refresh reuse grace window (REFRESH_REUSE_GRACE_SECONDS)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_AUTH_PER_MINUTE: '10000', REFRESH_REUSE_GRACE_SECONDS: '5' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives the same successor to 20 simultaneous refreshes and keeps the session alive', async () => {
    const u = await registerUser(t.http);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.http.post('/api/auth/refresh', { refreshToken: u.refreshToken }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const successors = new Set(results.map((r) => r.body.refreshToken));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    expect(successor).not.toBe(u.refreshToken);
    const next = await t.http.post('/api/auth/refresh', { refreshToken: successor });
    expect(next.status).toBe(200);
    expect((await t.http.get('/api/auth/me', { token: next.body.accessToken })).status).toBe(200);
  });

  it('still treats a token used longer ago than the window as reuse', async () => {
    const u = await registerUser(t.http);
    const rotated = await t.http.post('/api/auth/refresh', { refreshToken: u.refreshToken });
    expect(rotated.status).toBe(200);
    await t.db.query(
      `UPDATE refresh_tokens SET used_at = now() - interval '6 seconds' WHERE used_at IS NOT NULL AND session_id IN (SELECT id FROM sessions WHERE user_id = $1)`,
      [u.user.id],
    );
    const reuse = await t.http.post('/api/auth/refresh', { refreshToken: u.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.reason).toBe('REFRESH_TOKEN_REUSED');
    expect((await t.http.get('/api/auth/me', { token: rotated.body.accessToken })).status).toBe(
      401,
    );
  });
});
