import { ApiKeysService } from '@app/api-keys';
import { AuditService } from '@app/audit';
import { AuthFailuresService } from '@app/auth';
import { registerUser } from '../support/auth-fixtures';
import { parsePrometheus, sum } from '../support/prometheus';
import { startTestApp, type TestApp } from '../support/test-app';

const FLOOD = 300;
const LIMIT = 20;

describe('failed-authentication floods are throttled per IP before authentication', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        TRUST_PROXY: 'true',
        RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(LIMIT),
        RATE_LIMIT_AUTH_PER_MINUTE: '1000',
        RATE_LIMIT_PER_MINUTE: '100000',
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  const auditRows = async (ip: string) =>
    (
      await t.db.query<{ action: string; error: string | null; resource_id: string | null }>(
        `SELECT action, error, resource_id FROM audit_log
         WHERE ip = $1 OR (action = 'auth.token_rejected' AND resource_id = $1) ORDER BY seq`,
        [ip],
      )
    ).rows;

  it('refuses a bad-token flood with 429 after the limit, checks no more keys, and audits it aggregated', async () => {
    const ip = '198.51.100.7';
    const authenticate = jest.spyOn(t.app.get(ApiKeysService), 'authenticate');
    const statuses: number[] = [];
    let lastRetryAfter = '';
    // In waves of 30 concurrent requests: half bad bearer tokens, half bad API keys.
    for (let sent = 0; sent < FLOOD; sent += 30) {
      const wave = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          t.http.get('/api/blocks', {
            headers: {
              'x-forwarded-for': ip,
              ...(i % 2
                ? { authorization: `Bearer not.a.jwt${sent + i}` }
                : { 'x-api-key': `cb_AbCd1234_${'x'.repeat(43)}` }),
            },
          }),
        ),
      );
      for (const res of wave) {
        statuses.push(res.status);
        if (res.status === 429) lastRetryAfter = res.headers.get('retry-after') ?? '';
      }
    }
    const unauthorized = statuses.filter((s) => s === 401).length;
    const throttled = statuses.filter((s) => s === 429).length;
    expect(unauthorized + throttled).toBe(FLOOD);
    // the first wave may all be in flight before the limit is known: at most one wave past it
    expect(unauthorized).toBeGreaterThanOrEqual(LIMIT);
    expect(unauthorized).toBeLessThanOrEqual(LIMIT + 30);
    expect(Number(lastRetryAfter)).toBeGreaterThan(0);
    // refused before authentication: the key lookup ran only for the unthrottled ones
    expect(authenticate.mock.calls.length).toBeLessThanOrEqual(unauthorized);
    authenticate.mockRestore();

    t.app.get(AuthFailuresService).flush();
    await t.app.get(AuditService).drain();
    const rows = await auditRows(ip);
    // one entry for the first refusal of the window, one aggregate for all the rest
    expect(rows.map((r) => r.action)).toEqual(['auth.unauthenticated', 'auth.token_rejected']);
    expect(rows[1].error).toMatch(new RegExp(`^${FLOOD - 1} more requests refused`));

    const metrics = parsePrometheus((await t.http.get('/metrics')).text);
    const rejected = (reason: string) => sum(metrics, 'auth_rejections_total', { reason });
    expect(rejected('invalid_token') + rejected('invalid_api_key')).toBe(unauthorized);
    expect(rejected('throttled')).toBe(throttled);
  });

  it('counts every failed refresh as a failed attempt and audits them aggregated per IP', async () => {
    const ip = '198.51.100.10';
    const before = sum(
      parsePrometheus((await t.http.get('/metrics')).text),
      'auth_attempts_total',
      {
        method: 'refresh',
        result: 'failure',
      },
    );
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http.post(
        '/api/auth/refresh',
        { refreshToken: `not-a-refresh-token-${i}` },
        { headers: { 'x-forwarded-for': ip } },
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);

    t.app.get(AuthFailuresService).flush();
    await t.app.get(AuditService).drain();
    const rows = (
      await t.db.query<{ action: string; error: string | null; resource_id: string | null }>(
        `SELECT action, error, resource_id FROM audit_log
         WHERE ip = $1 OR (action = 'auth.refresh_failed' AND resource_id = $1) ORDER BY seq`,
        [ip],
      )
    ).rows;
    // the first failure of the window has its own entry, the other four one aggregate
    expect(rows.map((r) => r.action)).toEqual(['auth.refresh_failed', 'auth.refresh_failed']);
    expect(rows[0].error).toBe('INVALID_REFRESH_TOKEN');
    expect(rows[1].error).toMatch(/^4 more refreshes refused/);
    expect(rows.map((r) => r.resource_id)).toEqual([ip, ip]);

    const after = sum(parsePrometheus((await t.http.get('/metrics')).text), 'auth_attempts_total', {
      method: 'refresh',
      result: 'failure',
    });
    expect(after - before).toBe(5);
  });

  it('leaves every other IP alone, including a valid user', async () => {
    const user = await registerUser(t.http, {});
    const flooder = '198.51.100.8';
    for (let i = 0; i < LIMIT; i++) {
      await t.http.get('/api/blocks', { headers: { 'x-forwarded-for': flooder } });
    }
    const refused = await t.http.get('/api/blocks', {
      token: user.accessToken,
      headers: { 'x-forwarded-for': flooder },
    });
    expect(refused.status).toBe(429);
    const other = await t.http.get('/api/blocks', {
      token: user.accessToken,
      headers: { 'x-forwarded-for': '198.51.100.9' },
    });
    expect(other.status).toBe(200);
    // probes and sign-in are public: never behind this limit
    expect(
      (await t.http.get('/health/live', { headers: { 'x-forwarded-for': flooder } })).status,
    ).toBe(200);
  });
});
