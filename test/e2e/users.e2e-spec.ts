import {
  createApiKey,
  createUserInTenant,
  registerUser,
  strongPassword,
  uniqueSuffix,
  type RegisteredUser,
} from '../support/auth-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('users: administration inside the caller tenant', () => {
  let t: TestApp;
  let admin: RegisteredUser;
  let otherTenantAdmin: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: '10000' } });
    admin = await registerUser(t.http);
    otherTenantAdmin = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  const newUserBody = (role = 'user') => {
    const suffix = uniqueSuffix();
    return {
      email: `new-${suffix}@example.com`,
      username: `new_${suffix}`,
      password: strongPassword(),
      role,
    };
  };

  it('an admin creates a user in its own tenant (never another one)', async () => {
    const body = newUserBody('guest');
    const res = await t.http.post('/api/auth/users', body, { token: admin.accessToken });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      tenantId: admin.tenantId,
      role: 'guest',
      username: body.username,
      isActive: true,
    });
    expect(res.text).not.toContain(body.password);
    const sneaky = await t.http.post(
      '/api/auth/users',
      { ...newUserBody(), tenantId: otherTenantAdmin.tenantId },
      { token: admin.accessToken },
    );
    expect(sneaky.status).toBe(400);
  });

  it('validates the body: role enum, weak password, duplicates', async () => {
    const badRole = await t.http.post('/api/auth/users', newUserBody('root'), {
      token: admin.accessToken,
    });
    expect(badRole.status).toBe(400);
    const weak = await t.http.post(
      '/api/auth/users',
      { ...newUserBody(), password: 'aaaaaaaaaaaaaaaaaaaa' },
      { token: admin.accessToken },
    );
    expect(weak.status).toBe(400);
    const dup = await t.http.post(
      '/api/auth/users',
      { ...newUserBody(), email: otherTenantAdmin.user.email },
      { token: admin.accessToken },
    );
    expect(dup.status).toBe(409);
  });

  it('lists users of the tenant only, with role and q filters and cursor pagination', async () => {
    const t2 = await registerUser(t.http);
    const guests = [];
    for (let i = 0; i < 3; i++)
      guests.push(await createUserInTenant(t.http, t2.accessToken, 'guest'));
    const all = await t.http.get('/api/auth/users?limit=100', { token: t2.accessToken });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(4);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items.every((u: { tenantId: string }) => u.tenantId === t2.tenantId)).toBe(
      true,
    );
    expect(all.text).not.toMatch(/password|hash/i);

    const onlyGuests = await t.http.get('/api/auth/users?role=guest', { token: t2.accessToken });
    expect(onlyGuests.body.items).toHaveLength(3);

    const q = await t.http.get(`/api/auth/users?q=${guests[1].user.username.toUpperCase()}`, {
      token: t2.accessToken,
    });
    expect(q.body.items.map((u: { id: string }) => u.id)).toEqual([guests[1].user.id]);

    const page1 = await t.http.get('/api/auth/users?limit=3', { token: t2.accessToken });
    expect(page1.body.items).toHaveLength(3);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await t.http.get(`/api/auth/users?limit=3&cursor=${page1.body.nextCursor}`, {
      token: t2.accessToken,
    });
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();

    for (const bad of ['limit=0', 'limit=101', 'limit=abc', 'cursor=%%%', 'role=root', 'x=1']) {
      const res = await t.http.get(`/api/auth/users?${bad}`, { token: t2.accessToken });
      expect([bad, res.status]).toEqual([bad, 400]);
    }
  });

  it('reads, updates and deletes a user; a user of another tenant is a 404, a non-UUID a 400', async () => {
    const member = await createUserInTenant(t.http, admin.accessToken, 'user');
    const got = await t.http.get(`/api/auth/users/${member.user.id}`, { token: admin.accessToken });
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(member.user.id);

    const foreign = await t.http.get(`/api/auth/users/${member.user.id}`, {
      token: otherTenantAdmin.accessToken,
    });
    expect(foreign.status).toBe(404);
    const foreignPatch = await t.http.patch(
      `/api/auth/users/${member.user.id}`,
      { role: 'admin' },
      { token: otherTenantAdmin.accessToken },
    );
    expect(foreignPatch.status).toBe(404);
    const foreignDelete = await t.http.delete(`/api/auth/users/${member.user.id}`, {
      token: otherTenantAdmin.accessToken,
    });
    expect(foreignDelete.status).toBe(404);
    const missing = await t.http.get('/api/auth/users/01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f', {
      token: admin.accessToken,
    });
    expect(missing.status).toBe(404);
    for (const id of ['not-a-uuid', '1', "1'%20OR%201=1"]) {
      const res = await t.http.get(`/api/auth/users/${id}`, { token: admin.accessToken });
      expect(res.status).toBe(400);
    }

    const patched = await t.http.patch(
      `/api/auth/users/${member.user.id}`,
      { role: 'guest', displayName: 'Demoted' },
      { token: admin.accessToken },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ role: 'guest', displayName: 'Demoted' });
    const badPatch = await t.http.patch(
      `/api/auth/users/${member.user.id}`,
      { tenantId: otherTenantAdmin.tenantId },
      { token: admin.accessToken },
    );
    expect(badPatch.status).toBe(400);
    const emailPatch = await t.http.patch(
      `/api/auth/users/${member.user.id}`,
      { email: 'x@example.com' },
      { token: admin.accessToken },
    );
    expect(emailPatch.status).toBe(400);

    // the new role applies to the existing session on its next request
    expect((await t.http.get('/api/auth/me', { token: member.accessToken })).body.role).toBe(
      'guest',
    );

    const deleted = await t.http.delete(`/api/auth/users/${member.user.id}`, {
      token: admin.accessToken,
    });
    expect(deleted.status).toBe(204);
    expect(
      (await t.http.get(`/api/auth/users/${member.user.id}`, { token: admin.accessToken })).status,
    ).toBe(404);
    expect(
      (await t.http.delete(`/api/auth/users/${member.user.id}`, { token: admin.accessToken }))
        .status,
    ).toBe(404);
  });

  it('an admin cannot delete itself (409), nor demote or deactivate the last admin (409)', async () => {
    const a = await registerUser(t.http);
    const self = await t.http.delete(`/api/auth/users/${a.user.id}`, { token: a.accessToken });
    expect(self.status).toBe(409);
    const demote = await t.http.patch(
      `/api/auth/users/${a.user.id}`,
      { role: 'user' },
      { token: a.accessToken },
    );
    expect(demote.status).toBe(409);
    const deactivate = await t.http.patch(
      `/api/auth/users/${a.user.id}`,
      { isActive: false },
      { token: a.accessToken },
    );
    expect(deactivate.status).toBe(409);
    expect((await t.http.get('/api/auth/me', { token: a.accessToken })).body.role).toBe('admin');
  });

  it('deactivating a user ends its sessions and API keys at once; reactivating does not revive them', async () => {
    const member = await createUserInTenant(t.http, admin.accessToken, 'user');
    const key = await createApiKey(t.http, member.accessToken, { scopes: ['read'] });
    expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(200);
    const off = await t.http.patch(
      `/api/auth/users/${member.user.id}`,
      { isActive: false },
      { token: admin.accessToken },
    );
    expect(off.status).toBe(200);
    expect(off.body.isActive).toBe(false);
    expect((await t.http.get('/api/auth/me', { token: member.accessToken })).status).toBe(401);
    expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(401);
    await t.http.patch(
      `/api/auth/users/${member.user.id}`,
      { isActive: true },
      { token: admin.accessToken },
    );
    expect((await t.http.get('/api/auth/me', { token: member.accessToken })).status).toBe(401);
    expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(401);
  });

  it('refuses users and guests on admin routes with 403, and anonymous callers with 401', async () => {
    const user = await createUserInTenant(t.http, admin.accessToken, 'user');
    const guest = await createUserInTenant(t.http, admin.accessToken, 'guest');
    for (const token of [user.accessToken, guest.accessToken]) {
      expect((await t.http.get('/api/auth/users', { token })).status).toBe(403);
      expect((await t.http.post('/api/auth/users', newUserBody(), { token })).status).toBe(403);
      expect(
        (await t.http.patch(`/api/auth/users/${admin.user.id}`, { role: 'guest' }, { token }))
          .status,
      ).toBe(403);
      expect((await t.http.delete(`/api/auth/users/${admin.user.id}`, { token })).status).toBe(403);
    }
    expect((await t.http.get('/api/auth/users')).status).toBe(401);
  });

  it('admin routes accept an admin-scoped key of an admin only, and follow the owner’s current role', async () => {
    const second = await createUserInTenant(t.http, admin.accessToken, 'admin');
    const adminKey = await createApiKey(t.http, second.accessToken, { scopes: ['admin'] });
    const readKey = await createApiKey(t.http, second.accessToken, { scopes: ['read'] });
    expect((await t.http.get('/api/auth/users', { apiKey: adminKey.key })).status).toBe(200);
    const readRes = await t.http.get('/api/auth/users', { apiKey: readKey.key });
    expect(readRes.status).toBe(403);
    expect(readRes.body.reason).toBe('SCOPE_REQUIRED');
    await t.http.patch(
      `/api/auth/users/${second.user.id}`,
      { role: 'user' },
      { token: admin.accessToken },
    );
    const demoted = await t.http.get('/api/auth/users', { apiKey: adminKey.key });
    expect(demoted.status).toBe(403);
    expect(demoted.body.reason).toBe('ROLE_REQUIRED');
  });
});
