import { AuditService } from '@app/audit';
import {
  createApiKey,
  createUserInTenant,
  registerUser,
  type RegisteredUser,
} from '../support/auth-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('audit API over HTTP', () => {
  let t: TestApp;
  let admin: RegisteredUser;
  let other: RegisteredUser;
  let member: RegisteredUser;

  const flush = () => t.app.get(AuditService).drain();
  const logs = async (query = '', token = admin.accessToken) => {
    const res = await t.http.get(`/api/audit/logs${query}`, { token });
    expect(res.status).toBe(200);
    return res.body.items as any[];
  };

  beforeAll(async () => {
    t = await startTestApp();
    admin = await registerUser(t.http);
    other = await registerUser(t.http);
    member = await createUserInTenant(t.http, admin.accessToken, 'user');
    await flush();
  });
  afterAll(async () => {
    await t.close();
  });

  it('records registration in the tenant chain with secrets removed', async () => {
    const items = await logs('?action=auth.register');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      tenantId: admin.tenantId,
      actor: { userId: admin.user.id, username: admin.user.username },
      action: 'auth.register',
      resourceType: 'user',
      resourceId: admin.user.id,
      method: 'POST',
      path: '/api/auth/register',
      statusCode: 201,
      severity: 'info',
    });
    expect(items[0].changes.after).toMatchObject({ email: admin.user.email });
    expect(JSON.stringify(items[0].changes)).not.toContain(admin.password);
    expect(items[0].hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never stores a password, token or key anywhere in the trail', async () => {
    const key = await createApiKey(t.http, admin.accessToken, { scopes: ['read'] });
    await t.http.get('/api/auth/me', { apiKey: key.key });
    await t.http.post('/api/auth/refresh', { refreshToken: admin.refreshToken });
    await flush();
    const { rows } = await t.db.query(`SELECT row_to_json(a)::text AS j FROM audit_log a`);
    const dump = rows.map((r) => r.j).join('\n');
    for (const secret of [
      admin.password,
      member.password,
      admin.accessToken,
      admin.refreshToken,
      key.key,
    ]) {
      expect(dump).not.toContain(secret);
    }
  });

  it('records every request that reaches a controller, with request data', async () => {
    const res = await t.http.get('/api/auth/me', {
      token: member.accessToken,
      headers: { 'x-request-id': 'audit-read-check', 'user-agent': 'audit-e2e/1.0' },
    });
    expect(res.status).toBe(200);
    await flush();
    const { rows } = await t.db.query(
      `SELECT * FROM audit_log WHERE request_id = 'audit-read-check'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      tenant_id: admin.tenantId,
      user_id: member.user.id,
      method: 'GET',
      path: '/api/auth/me',
      status_code: 200,
      ip: '127.0.0.1',
      user_agent: 'audit-e2e/1.0',
      severity: 'info',
    });
    expect(rows[0].duration_ms).toBeGreaterThan(0);
  });

  it('refuses non-admins with 403 and records the denial', async () => {
    const res = await t.http.get('/api/audit/logs', {
      token: member.accessToken,
      headers: { 'x-request-id': 'denied-check' },
    });
    expect(res.status).toBe(403);
    for (const path of [
      '/api/audit/verify',
      '/api/audit/statistics',
      `/api/audit/users/${member.user.id}/logs`,
    ]) {
      expect((await t.http.get(path, { token: member.accessToken })).status).toBe(403);
    }
    expect(
      (
        await t.http.delete('/api/audit/logs/cleanup?olderThanDays=365', {
          token: member.accessToken,
        })
      ).status,
    ).toBe(403);
    await flush();
    const items = await logs('?action=authz.denied');
    const denial = items.find((i) => i.requestId === 'denied-check');
    expect(denial).toMatchObject({
      actor: { userId: member.user.id },
      statusCode: 403,
      severity: 'warning',
      resourceType: 'audit',
      path: '/api/audit/logs',
    });
  });

  it('answers 401 without credentials and records it outside any tenant', async () => {
    const res = await t.http.get('/api/audit/logs', { headers: { 'x-request-id': 'anon-check' } });
    expect(res.status).toBe(401);
    await flush();
    const { rows } = await t.db.query(
      `SELECT tenant_id, action, severity FROM audit_log WHERE request_id = 'anon-check'`,
    );
    expect(rows).toEqual([
      {
        tenant_id: '00000000-0000-0000-0000-000000000000',
        action: 'auth.unauthenticated',
        severity: 'warning',
      },
    ]);
  });

  it('shows a caller its own activity only, whatever its role', async () => {
    const res = await t.http.get('/api/audit/my-activity?limit=100', { token: member.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(res.body.items.every((i: any) => i.actor.userId === member.user.id)).toBe(true);
  });

  it("never shows another tenant's entries", async () => {
    const mine = await logs('?limit=100');
    const theirs = await logs('?limit=100', other.accessToken);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((i) => i.tenantId === other.tenantId)).toBe(true);
    const res = await t.http.get(`/api/audit/logs/${mine[0].id}`, { token: other.accessToken });
    expect(res.status).toBe(404);
    const own = await t.http.get(`/api/audit/logs/${mine[0].id}`, { token: admin.accessToken });
    expect(own.status).toBe(200);
    expect(own.body.id).toBe(mine[0].id);
    const history = await t.http.get(`/api/audit/users/${admin.user.id}/logs`, {
      token: other.accessToken,
    });
    expect(history.body.items).toEqual([]);
  });

  it('filters by user, action, resource, severity, status and time, and pages with a cursor', async () => {
    await flush();
    const byUser = await logs(`?userId=${member.user.id}&limit=100`);
    expect(byUser.length).toBeGreaterThan(0);
    expect(byUser.every((i) => i.actor.userId === member.user.id)).toBe(true);
    const bySeverity = await logs('?severity=warning&limit=100');
    expect(bySeverity.every((i) => i.severity === 'warning')).toBe(true);
    const byStatus = await logs('?statusCode=403');
    expect(byStatus.length).toBeGreaterThan(0);
    expect(byStatus.every((i) => i.statusCode === 403)).toBe(true);
    const byResource = await t.http.get(`/api/audit/resources/user/${admin.user.id}`, {
      token: admin.accessToken,
    });
    expect(byResource.status).toBe(200);
    expect(byResource.body.items.map((i: any) => i.action)).toContain('auth.register');
    const future = await logs(
      `?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`,
    );
    expect(future).toEqual([]);

    const all = await logs('?limit=100');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await t.http.get(
        `/api/audit/logs?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        { token: admin.accessToken },
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: any) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor && seen.length < 1000);
    expect(new Set(seen).size).toBe(seen.length);
    // Entries about these very reads may land meanwhile; every earlier one is still seen once.
    expect(seen).toEqual(expect.arrayContaining(all.map((i) => i.id)));
  });

  it.each([
    ['userId=not-a-uuid'],
    ['statusCode=abc'],
    ['statusCode=42'],
    ['severity=loud'],
    ['action=DROP%20TABLE'],
    ['from=yesterday'],
    [`from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`],
    ['limit=1000'],
    ['limit=0'],
    ['cursor=%%%'],
    ['cursor=eyJzZXEiOiJ4In0'],
    ['unknown=1'],
  ])('answers 400 to a bad filter: %s', async (query) => {
    const res = await t.http.get(`/api/audit/logs?${query}`, { token: admin.accessToken });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('takes a resource id as long as the document allows (256), and refuses one longer', async () => {
    const history = (id: string) =>
      t.http.get(`/api/audit/resources/document/${id}`, { token: admin.accessToken });
    const longest = await history('r'.repeat(256));
    expect(longest.status).toBe(200);
    expect(longest.body.items).toEqual([]);
    const over = await history('r'.repeat(257));
    expect(over.status).toBe(414);
    expect(over.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('answers 400 to bad ids, ranges and retention', async () => {
    const bad = async (path: string, method: 'get' | 'delete' = 'get') =>
      (await t.http[method](path, { token: admin.accessToken })).status;
    expect(await bad('/api/audit/logs/not-a-uuid')).toBe(400);
    expect(await bad('/api/audit/users/not-a-uuid/logs')).toBe(400);
    expect(await bad('/api/audit/resources/Bad%20Type/1')).toBe(400);
    expect(
      await bad('/api/audit/statistics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z'),
    ).toBe(400);
    expect(
      await bad('/api/audit/statistics?from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z'),
    ).toBe(400);
    expect(await bad('/api/audit/logs/cleanup?olderThanDays=30', 'delete')).toBe(400);
    expect(await bad('/api/audit/logs/cleanup', 'delete')).toBe(400);
    expect(await bad('/api/audit/logs/cleanup?olderThanDays=ten', 'delete')).toBe(400);
  });

  it('offers no way to write an entry', async () => {
    const res = await t.http.post(
      '/api/audit/logs',
      { action: 'block.delete', tenantId: other.tenantId },
      { token: admin.accessToken },
    );
    expect(res.status).toBe(404);
    // Forwarded headers are not trusted unless TRUST_PROXY says so.
    await t.http.get('/api/auth/me', {
      token: admin.accessToken,
      headers: { 'x-forwarded-for': '198.51.100.9', 'x-request-id': 'xff-check' },
    });
    await flush();
    const { rows } = await t.db.query(`SELECT ip FROM audit_log WHERE request_id = 'xff-check'`);
    expect(rows).toEqual([{ ip: '127.0.0.1' }]);
  });

  it('computes statistics in SQL', async () => {
    await flush();
    const res = await t.http.get('/api/audit/statistics', { token: admin.accessToken });
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.total).toBeGreaterThan(0);
    const sum = (list: Array<{ count: number }>) => list.reduce((n, x) => n + x.count, 0);
    expect(sum(body.byAction)).toBe(body.total);
    expect(sum(body.bySeverity)).toBe(body.total);
    expect(sum(body.byStatusClass)).toBe(body.total);
    expect(sum(body.perHour)).toBe(body.total);
    expect(body.byStatusClass.map((x: any) => x.key)).toEqual(
      expect.arrayContaining(['2xx', '4xx']),
    );
    expect(body.topUsers.length).toBeLessThanOrEqual(10);
    expect(body.topUsers.map((u: any) => u.userId)).toContain(member.user.id);
    expect(body.perHour[0].hour).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
  });

  it('verifies the chain, and names an entry edited behind the API back', async () => {
    await flush();
    const ok = await t.http.get('/api/audit/verify', { token: other.accessToken });
    expect(ok.body).toMatchObject({ valid: true, firstInvalidId: null });
    expect(ok.body.checked).toBeGreaterThan(0);

    const { rows } = await t.db.query(
      `SELECT id FROM audit_log WHERE tenant_id = $1 ORDER BY seq LIMIT 1`,
      [other.tenantId],
    );
    const client = await t.db.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      await client.query(
        `UPDATE audit_log SET status_code = 200, severity = 'info' WHERE id = $1`,
        [rows[0].id],
      );
      await client.query(`SET session_replication_role = origin`);
    } finally {
      client.release();
    }
    const broken = await t.http.get('/api/audit/verify', { token: other.accessToken });
    expect(broken.body).toEqual({ valid: false, checked: 1, firstInvalidId: rows[0].id });
    // The admin's own tenant is untouched.
    const mine = await t.http.get('/api/audit/verify', { token: admin.accessToken });
    expect(mine.body.valid).toBe(true);
  });

  it('cleans up through the retention function and stays verifiable', async () => {
    const res = await t.http.delete('/api/audit/logs/cleanup?olderThanDays=90', {
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: 0 });
    const entry = await logs('?action=audit.cleanup');
    expect(entry[0]).toMatchObject({ severity: 'critical', statusCode: 200 });
    expect((await t.http.get('/api/audit/verify', { token: admin.accessToken })).body.valid).toBe(
      true,
    );
  });

  it('accepts API keys by scope: admin scope for the trail, read scope for own activity', async () => {
    const readKey = await createApiKey(t.http, admin.accessToken, { scopes: ['read'] });
    expect((await t.http.get('/api/audit/logs', { apiKey: readKey.key })).status).toBe(403);
    expect((await t.http.get('/api/audit/my-activity', { apiKey: readKey.key })).status).toBe(200);
    const adminKey = await createApiKey(t.http, admin.accessToken, { scopes: ['admin'] });
    const res = await t.http.get('/api/audit/logs', { apiKey: adminKey.key });
    expect(res.status).toBe(200);
    await flush();
    const items = await logs(`?action=audit.read&limit=100`);
    expect(items.some((i) => i.actor.apiKeyId === adminKey.id)).toBe(true);
  });

  it('documents every audit route with an operationId, security and problems', async () => {
    const doc = (await t.http.get('/docs-json')).body;
    const ops = [
      ['/api/audit/logs', 'get', 'auditListLogs'],
      ['/api/audit/logs/{id}', 'get', 'auditGetLog'],
      ['/api/audit/resources/{type}/{id}', 'get', 'auditResourceHistory'],
      ['/api/audit/users/{id}/logs', 'get', 'auditUserLogs'],
      ['/api/audit/my-activity', 'get', 'auditMyActivity'],
      ['/api/audit/statistics', 'get', 'auditStatistics'],
      ['/api/audit/verify', 'get', 'auditVerify'],
      ['/api/audit/logs/cleanup', 'delete', 'auditCleanup'],
    ];
    for (const [path, method, id] of ops) {
      const op = doc.paths[path]?.[method];
      expect([path, op?.operationId]).toEqual([path, id]);
      expect(op.tags).toEqual(['audit']);
      expect(op.security).toEqual(expect.arrayContaining([{ bearer: [] }, { apiKey: [] }]));
      expect(op.responses['403']).toBeDefined();
    }
    expect(doc.components.schemas.AuditSeverity.enum).toEqual(['info', 'warning', 'critical']);
    expect(doc.components.schemas.AuditEntryPage).toBeDefined();
  });
});

describe('audit with AUDIT_READS=false', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { AUDIT_READS: 'false' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('skips reads but still records changes and refusals', async () => {
    const admin = await registerUser(t.http);
    await t.http.get('/api/auth/me', {
      token: admin.accessToken,
      headers: { 'x-request-id': 'r-off' },
    });
    await t.http.get('/api/audit/logs', { headers: { 'x-request-id': 'anon-off' } });
    await t.app.get(AuditService).drain();
    const { rows } = await t.db.query(
      `SELECT action, request_id FROM audit_log WHERE request_id IN ('r-off', 'anon-off') OR action = 'auth.register'`,
    );
    expect(rows.map((r) => r.action).sort()).toEqual(['auth.register', 'auth.unauthenticated']);
  });
});
