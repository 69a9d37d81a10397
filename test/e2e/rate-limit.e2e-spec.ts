import { AuditService } from '@app/audit';
import { RateLimitStorage } from '@app/auth';
import { AuditRefusals } from '../../libs/audit/src/audit-refusals';
import { freePort } from '@app/database';
import { Pool } from 'pg';
import { registerUser, strongPassword, uniqueSuffix } from '../support/auth-fixtures';
import { startRedis, type RunningRedis } from '../support/redis-server';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

describe('rate limits: headers, per user, per IP on auth routes, lockout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_AUTH_PER_MINUTE: '6', LOGIN_MAX_FAILURES: '3' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('limits each user, with X-RateLimit-* on every limited response and a problem+json 429', async () => {
    const a = await registerUser(t.http);
    const statuses: number[] = [];
    const responses = [];
    for (let i = 0; i < 6; i++) {
      const last = await t.http.get('/api/auth/me', { token: a.accessToken });
      responses.push(last);
      statuses.push(last.status);
      expect(last.headers.get('x-ratelimit-limit')).toBe('5');
      expect(Number(last.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
      expect(last.headers.get('x-ratelimit-remaining')).toBe(String(Math.max(0, 4 - i)));
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const last = responses[5];
    expect(last.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(last.body.code).toBe('RATE_LIMITED');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(last.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // another user has its own budget (same IP)
    const b = await registerUser(t.http);
    expect((await t.http.get('/api/auth/me', { token: b.accessToken })).status).toBe(200);
  });

  it('audits the first 429 of a caller and route per window, then one entry counting the rest', async () => {
    const a = await registerUser(t.http);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await t.http.get('/api/auth/me', { token: a.accessToken })).status);
    }
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    await t.app.get(AuditService).drain();
    const refusals = () =>
      t.db.query(
        `SELECT user_id, tenant_id, method, path, status_code, request_id, error FROM audit_log
         WHERE action = 'ratelimit.exceeded' AND user_id = $1 ORDER BY timestamp, id`,
        [a.user.id],
      );
    const first = (await refusals()).rows;
    expect(first).toHaveLength(1);
    expect(first[0].request_id).toEqual(expect.any(String));
    t.app.get(AuditRefusals).flush();
    await t.app.get(AuditService).drain();
    const both = (await refusals()).rows;
    expect(both).toHaveLength(2);
    expect(both[1]).toMatchObject({
      tenant_id: a.tenantId,
      method: 'GET',
      path: '/api/auth/me',
      status_code: 429,
      request_id: null,
      error: '6 more requests refused with 429 on this route since the last entry',
    });
    // A new window starts with an entry of its own again.
    expect((await t.http.get('/api/auth/me', { token: a.accessToken })).status).toBe(429);
    await t.app.get(AuditService).drain();
    expect((await refusals()).rows).toHaveLength(3);
  });

  it('writes the pending aggregate entries at shutdown, into the table and not the error log', async () => {
    const database = await createTestDatabase();
    const app = await startTestApp({
      databaseUrl: database.url,
      env: { RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '100' },
    });
    const db = new Pool({ connectionString: database.url, max: 1 });
    try {
      const a = await registerUser(app.http);
      for (let i = 0; i < 5; i++) await app.http.get('/api/auth/me', { token: a.accessToken });
      for (let i = 0; i < 3; i++) await app.http.get('/api/auth/me', { token: 'not-a-token' });
      await app.close();
      const { rows } = await db.query<{ action: string; error: string | null }>(
        `SELECT action, error FROM audit_log
         WHERE action IN ('ratelimit.exceeded', 'auth.token_rejected') AND error LIKE '2 more%'
         ORDER BY action`,
      );
      expect(rows.map((r) => r.action)).toEqual(['auth.token_rejected', 'ratelimit.exceeded']);
      expect(app.logs.filter((line) => String(line.msg).includes('could not be written'))).toEqual(
        [],
      );
    } finally {
      await db.end();
      await database.drop();
    }
  });

  it('never limits health probes', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await t.http.get('/health/live');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });

  it('limits register, login and refresh per IP; a forged X-Forwarded-For does not dodge it', async () => {
    // a fresh app: the budget of this IP is untouched
    const app = await startTestApp({ env: { RATE_LIMIT_AUTH_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await app.http.post(
          '/api/auth/login',
          { login: `x-${i}`, password: 'whatever whatever' },
          { headers: { 'x-forwarded-for': `198.51.100.${i}` } },
        );
        statuses.push(res.status);
        expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const refresh = await app.http.post('/api/auth/refresh', { refreshToken: 'x' });
      expect(refresh.status).toBe(429);
      expect(refresh.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await app.close();
    }
  });

  it('honours X-Forwarded-For only from trusted proxies (TRUST_PROXY)', async () => {
    const app = await startTestApp({
      env: { RATE_LIMIT_AUTH_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1' },
    });
    try {
      const send = (ip: string) =>
        app.http.post(
          '/api/auth/login',
          { login: 'nobody', password: 'whatever whatever' },
          { headers: { 'x-forwarded-for': ip } },
        );
      expect((await send('203.0.113.1')).status).toBe(401);
      expect((await send('203.0.113.1')).status).toBe(401);
      expect((await send('203.0.113.1')).status).toBe(429);
      expect((await send('203.0.113.2')).status).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('locks an account after LOGIN_MAX_FAILURES failures with a growing delay, audited, without revealing existence', async () => {
    const app = await startTestApp({
      env: { RATE_LIMIT_AUTH_PER_MINUTE: '1000', LOGIN_MAX_FAILURES: '3' },
    });
    try {
      const u = await registerUser(app.http);
      const attempt = (password: string, loginName = u.user.username) =>
        app.http.post('/api/auth/login', { login: loginName, password });
      for (let i = 0; i < 3; i++) expect((await attempt('wrong password here')).status).toBe(401);
      const locked = await attempt(u.password);
      expect(locked.status).toBe(429);
      expect(locked.body.code).toBe('RATE_LIMITED');
      const firstDelay = Number(locked.headers.get('retry-after'));
      expect(firstDelay).toBeGreaterThan(20);
      expect(firstDelay).toBeLessThanOrEqual(30);
      // the email names the same account
      expect((await attempt(u.password, u.user.email)).status).toBe(429);
      // another account is not affected
      const other = await registerUser(app.http);
      expect((await attempt(other.password, other.user.username)).status).toBe(200);
      // an unknown account locks the same way (no hint that it does not exist)
      const ghost = `ghost-${uniqueSuffix()}`;
      for (let i = 0; i < 3; i++) expect((await attempt('x'.repeat(20), ghost)).status).toBe(401);
      expect((await attempt('x'.repeat(20), ghost)).status).toBe(429);
      // the delay grows: pretend the lock expired, fail once more
      await app.app.get(RateLimitStorage).del(`lock:user:${u.user.id}`);
      expect((await attempt('wrong password again')).status).toBe(401);
      const longer = await attempt(u.password);
      expect(longer.status).toBe(429);
      expect(Number(longer.headers.get('retry-after'))).toBeGreaterThan(firstDelay);
      // a success resets the count
      await app.app.get(RateLimitStorage).del(`lock:user:${u.user.id}`);
      expect((await attempt(u.password)).status).toBe(200);
      expect((await attempt('wrong password here')).status).toBe(401);
      expect((await attempt(u.password)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('rate limits shared by two API processes through Redis', () => {
  let redis: RunningRedis;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      RATE_LIMIT_PER_MINUTE: '100',
      RATE_LIMIT_AUTH_PER_MINUTE: '1000',
      LOG_LEVEL: 'warn',
    };
    a = await startTestApp({ env });
    b = await startTestApp({ env, databaseUrl: a.databaseUrl });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('lets through at most 100 of 500 concurrent requests spread over both processes', async () => {
    const u = await registerUser(a.http);
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        (i % 2 ? b : a).http.get('/api/auth/me', { token: u.accessToken }),
      ),
    );
    const ok = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 429).length;
    expect(ok).toBeLessThanOrEqual(100);
    expect(ok).toBeGreaterThan(90);
    expect(ok + limited).toBe(500);
  }, 60_000);

  it('counts one shared budget: what one process spent, the other cannot spend again', async () => {
    const u = await registerUser(a.http);
    for (let i = 0; i < 100; i++) {
      expect((await a.http.get('/api/auth/me', { token: u.accessToken })).status).toBe(200);
    }
    const res = await b.http.get('/api/auth/me', { token: u.accessToken });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  }, 60_000);
});

describe('rate limits when Redis is unreachable', () => {
  it('falls back to per-process counters: no 500, limits still apply', async () => {
    const deadPort = await freePort();
    const t = await startTestApp({
      env: {
        REDIS_URL: `redis://127.0.0.1:${deadPort}`,
        RATE_LIMIT_PER_MINUTE: '3',
        RATE_LIMIT_AUTH_PER_MINUTE: '1000',
      },
    });
    try {
      const u = await registerUser(t.http, { password: strongPassword() });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await t.http.get('/api/auth/me', { token: u.accessToken })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await t.close();
    }
  }, 30_000);
});
