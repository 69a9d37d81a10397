import { AuditService } from '@app/audit';
import { RequestContext } from '@app/common';
import { freePort } from '@app/database';
import { createApiKey, login, registerUser } from '../support/auth-fixtures';
import { createBlock } from '../support/block-fixtures';
import { families, parsePrometheus, sum } from '../support/prometheus';
import { startTestApp, type TestApp } from '../support/test-app';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Every family the dashboard and alert rules may use. */
const FAMILIES: Record<string, string> = {
  http_requests_total: 'counter',
  http_request_duration_seconds: 'histogram',
  http_requests_in_flight: 'gauge',
  auth_attempts_total: 'counter',
  auth_active_sessions: 'gauge',
  api_keys_total: 'gauge',
  db_pool_connections: 'gauge',
  db_query_duration_seconds: 'histogram',
  blocks_total: 'gauge',
  block_operations_total: 'counter',
  search_queries_total: 'counter',
  search_duration_seconds: 'histogram',
  rate_limit_hits_total: 'counter',
  audit_events_total: 'counter',
  audit_queue_depth: 'gauge',
  audit_write_failures_total: 'counter',
  audit_queue_full_total: 'counter',
  audit_queue_overflow_total: 'counter',
  errors_total: 'counter',
  identity_cache_lookups_total: 'counter',
  identity_cache_evictions_total: 'counter',
  identity_cache_entries: 'gauge',
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
  nodejs_eventloop_lag_max_seconds: 'gauge',
  tenant_concurrency_rejections_total: 'counter',
  tenant_concurrency_in_flight: 'gauge',
  query_timeouts_total: 'counter',
};

describe('metrics: /metrics on the main port, open by default', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('exports every family with sane values and no id-shaped or raw-path labels', async () => {
    for (let i = 0; i < 5; i++) await t.http.get('/health/live');
    await t.http.get(`/api/blocks/${'1'.repeat(8)}-1111-4111-8111-111111111111/nowhere`);
    await t.http.get('/health/ready');
    // Domain events as the identity and blocks services report them.
    const audit = t.app.get(AuditService);
    const store = {
      requestId: 'metrics-test',
      ip: '127.0.0.1',
      userAgent: null,
      method: 'GET',
      route: '/api/blocks/search',
      startedAt: process.hrtime.bigint(),
    };
    RequestContext.run(store, () => {
      audit.enqueue({ action: 'auth.login' });
      audit.enqueue({ action: 'auth.login_failed', severity: 'warning' });
      audit.enqueue({ action: 'block.read', resourceType: 'block' });
      audit.enqueue({ action: 'search.query' });
    });
    await audit.drain();

    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const types = families(res.text);
    for (const [name, type] of Object.entries(FAMILIES)) {
      expect([name, types.get(name)]).toEqual([name, type]);
    }
    const samples = parsePrometheus(res.text);
    expect(
      sum(samples, 'http_requests_total', {
        method: 'GET',
        route: '/health/live',
        status_class: '2xx',
      }),
    ).toBeGreaterThanOrEqual(5);
    expect(
      sum(samples, 'http_requests_total', { route: 'unmatched', status_class: '4xx' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sum(samples, 'http_request_duration_seconds_count', { route: '/health/live' }),
    ).toBeGreaterThanOrEqual(5);
    expect(sum(samples, 'http_request_duration_seconds_sum')).toBeGreaterThan(0);
    // The scrape itself is in flight while it is being answered.
    expect(sum(samples, 'http_requests_in_flight')).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'errors_total', { code: 'NOT_FOUND' })).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    expect(sum(samples, 'db_pool_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
    expect(samples.some((s) => s.name === 'db_pool_connections' && s.labels.state === 'idle')).toBe(
      true,
    );
    expect(sum(samples, 'db_query_duration_seconds_count')).toBeGreaterThan(0);
    expect(sum(samples, 'auth_attempts_total', { method: 'password', result: 'success' })).toBe(1);
    expect(sum(samples, 'auth_attempts_total', { method: 'password', result: 'failure' })).toBe(1);
    expect(sum(samples, 'block_operations_total', { operation: 'read' })).toBe(1);
    expect(sum(samples, 'search_queries_total')).toBe(1);
    expect(sum(samples, 'search_duration_seconds_count')).toBe(1);
    expect(
      sum(samples, 'audit_events_total', { action: 'auth.login_failed', severity: 'warning' }),
    ).toBe(1);
    expect(sum(samples, 'audit_queue_depth')).toBe(0);
    expect(sum(samples, 'audit_write_failures_total')).toBe(0);
    expect(sum(samples, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    // Event-loop lag from prom-client's histogram of the loop's delay: a real, positive reading.
    expect(sum(samples, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    expect(sum(samples, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(
      sum(samples, 'nodejs_eventloop_lag_p99_seconds'),
    );
    // Every operation class is sampled from the start (zeros, not gaps).
    for (const operation of ['search', 'related', 'export', 'import', 'bulk']) {
      const rejections = samples.filter(
        (s) => s.name === 'tenant_concurrency_rejections_total' && s.labels.operation === operation,
      );
      expect(rejections.map((s) => [s.labels.scope, s.value]).sort()).toEqual([
        ['instance', 0],
        ['tenant', 0],
      ]);
      expect(sum(samples, 'tenant_concurrency_in_flight', { operation })).toBe(0);
    }

    for (const sample of samples) {
      for (const value of Object.values(sample.labels)) {
        expect(value).not.toMatch(UUID);
        expect(value).not.toMatch(/\/1{8}/);
      }
    }
  });

  it('is outside /api, open and documented', async () => {
    const doc = await t.http.get('/docs-json');
    expect(doc.body.paths['/metrics'].get.operationId).toBe('metricsScrape');
    expect((await t.http.get('/api/metrics')).status).toBe(404);
  });
});

describe('metrics: METRICS_TOKEN', () => {
  let t: TestApp;
  const token = 'metrics-token-0123456789';

  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN: token } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 401 without the bearer token and 200 with it', async () => {
    const anonymous = await t.http.get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await t.http.get('/metrics', { token: 'wrong-token-0123456789' })).status).toBe(401);
    const ok = await t.http.get('/metrics', { token });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('http_requests_total');
  });
});

describe('metrics: METRICS_PORT and METRICS_ENABLED=false', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({ env: { METRICS_PORT: String(port), METRICS_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves /metrics on its own port only, without HTTP metrics', async () => {
    await t.http.get('/health/live');
    expect((await t.http.get('/metrics')).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('process_cpu_seconds_total');
    expect(sum(parsePrometheus(text), 'http_requests_total')).toBe(0);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });
});

describe('metrics: domain families from real traffic', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_PER_MINUTE: '20', RATE_LIMIT_AUTH_PER_MINUTE: '50' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts auth, blocks, search, rate limits and audit events, with bounded labels', async () => {
    const alice = await registerUser(t.http);
    await login(t.http, alice.user.username, alice.password);
    expect(
      (
        await t.http.post('/api/auth/login', {
          login: alice.user.username,
          password: 'wrong-password-123456',
        })
      ).status,
    ).toBe(401);
    const key = await createApiKey(t.http, alice.accessToken, { scopes: ['read', 'write'] });
    expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(200);
    expect((await t.http.get('/api/auth/me', { apiKey: `${key.key}x` })).status).toBe(401);
    const block = await createBlock(t.http, alice.accessToken, { title: 'Metrics pangolin' });
    expect((await t.http.get(`/api/blocks/${block.id}`, { apiKey: key.key })).status).toBe(200);
    expect((await t.http.get('/api/blocks/search?q=pangolin', { apiKey: key.key })).status).toBe(
      200,
    );

    const bob = await registerUser(t.http);
    let limited = 0;
    for (let i = 0; i < 30 && limited === 0; i++) {
      const res = await t.http.get('/api/auth/me', {
        token: bob.accessToken,
        headers: { 'x-request-id': `bob-${i}` },
      });
      if (res.status === 429) limited += 1;
    }
    expect(limited).toBe(1);
    for (let i = 0; i < 30; i++) expect((await t.http.get('/metrics')).status).toBe(200);
    await t.app.get(AuditService).drain();

    const samples = parsePrometheus((await t.http.get('/metrics')).text);
    expect(
      sum(samples, 'auth_attempts_total', { method: 'password', result: 'success' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sum(samples, 'auth_attempts_total', { method: 'password', result: 'failure' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sum(samples, 'auth_attempts_total', { method: 'api_key', result: 'success' }),
    ).toBeGreaterThanOrEqual(3);
    expect(sum(samples, 'auth_attempts_total', { method: 'api_key', result: 'failure' })).toBe(1);
    expect(
      sum(samples, 'auth_attempts_total', { method: 'jwt', result: 'success' }),
    ).toBeGreaterThanOrEqual(20);
    expect(sum(samples, 'auth_active_sessions')).toBeGreaterThanOrEqual(3);
    expect(sum(samples, 'api_keys_total')).toBe(1);
    expect(sum(samples, 'blocks_total')).toBe(1);
    expect(sum(samples, 'block_operations_total', { operation: 'create' })).toBe(1);
    expect(sum(samples, 'block_operations_total', { operation: 'read' })).toBe(1);
    expect(sum(samples, 'search_queries_total')).toBe(1);
    expect(sum(samples, 'search_duration_seconds_count')).toBe(1);
    expect(sum(samples, 'search_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sum(samples, 'rate_limit_hits_total', { scope: 'user' })).toBe(1);
    expect(sum(samples, 'errors_total', { code: 'RATE_LIMITED' })).toBe(1);
    expect(sum(samples, 'errors_total', { code: 'UNAUTHENTICATED' })).toBeGreaterThanOrEqual(2);
    expect(
      sum(samples, 'audit_events_total', { action: 'ratelimit.exceeded', severity: 'warning' }),
    ).toBe(1);
    expect(sum(samples, 'audit_events_total', { action: 'block.create', severity: 'info' })).toBe(
      1,
    );
    expect(
      sum(samples, 'http_requests_total', {
        method: 'GET',
        route: '/api/blocks/:id',
        status_class: '2xx',
      }),
    ).toBe(1);
    expect(
      sum(samples, 'http_requests_total', { route: '/metrics', status_class: '2xx' }),
    ).toBeGreaterThanOrEqual(30);
    for (const sample of samples) {
      for (const value of Object.values(sample.labels)) {
        expect(value).not.toMatch(UUID);
        expect(value).not.toContain('pangolin');
      }
    }

    const { rows } = await t.db.query(
      `SELECT user_id, severity, status_code FROM audit_log WHERE action = 'ratelimit.exceeded'`,
    );
    expect(rows).toEqual([{ user_id: bob.user.id, severity: 'warning', status_code: 429 }]);
  });

  it('reports hits, misses and entries of the session, user and API-key caches', async () => {
    const alice = await registerUser(t.http);
    const key = await createApiKey(t.http, alice.accessToken, { scopes: ['read'] });
    const scrape = async () => parsePrometheus((await t.http.get('/metrics')).text);
    const lookups = (samples: Awaited<ReturnType<typeof scrape>>, cache: string, result: string) =>
      sum(samples, 'identity_cache_lookups_total', { cache, result });
    const before = await scrape();
    for (let i = 0; i < 3; i++) {
      expect((await t.http.get('/api/auth/me', { token: alice.accessToken })).status).toBe(200);
      expect((await t.http.get('/api/auth/me', { apiKey: key.key })).status).toBe(200);
    }
    const after = await scrape();
    for (const cache of ['sessions', 'users', 'api_keys']) {
      const hits = lookups(after, cache, 'hit') - lookups(before, cache, 'hit');
      const misses = lookups(after, cache, 'miss') - lookups(before, cache, 'miss');
      // Six authenticated requests: the first of each kind may miss, the repeats are served warm.
      expect({ cache, hits: hits >= 2 }).toEqual({ cache, hits: true });
      expect({ cache, lookups: hits + misses >= 3 }).toEqual({ cache, lookups: true });
      expect({ cache, entries: sum(after, 'identity_cache_entries', { cache }) >= 1 }).toEqual({
        cache,
        entries: true,
      });
      expect(sum(after, 'identity_cache_evictions_total', { cache })).toBe(0);
    }
  });

  it('reports the audit queue in the health detail', async () => {
    const res = await t.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body.details.audit_queue).toMatchObject({ status: 'up', depth: expect.any(Number) });
  });
});
