import { startTestApp, type TestApp } from '../support/test-app';

describe('foundation: errors, request ids, headers, probes, docs', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await t.http.get('/api/does-not-exist?x=1');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'urn:content-blocks:problem:not-found',
      title: 'Not found',
      status: 404,
      code: 'NOT_FOUND',
      instance: '/api/does-not-exist',
    });
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('keeps a well-formed client X-Request-Id and replaces a malformed one', async () => {
    const kept = await t.http.get('/health/live', { headers: { 'x-request-id': 'abc.DEF_123-x' } });
    expect(kept.headers.get('x-request-id')).toBe('abc.DEF_123-x');

    const replaced = await t.http.get('/nowhere', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.body.requestId).toBe(replaced.headers.get('x-request-id'));

    const tooLong = await t.http.get('/health/live', {
      headers: { 'x-request-id': 'a'.repeat(65) },
    });
    expect(tooLong.headers.get('x-request-id')).not.toBe('a'.repeat(65));
  });

  it('writes one JSON log line per request with id, method, route, status and duration', async () => {
    await t.http.get('/health/live', { headers: { 'x-request-id': 'log-line-check' } });
    await new Promise((r) => setTimeout(r, 50));
    const lines = t.logs.filter((l) => l.requestId === 'log-line-check' && l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', route: '/health/live', status: 200 });
    expect(typeof lines[0].durationMs).toBe('number');
  });

  it('sends the helmet security headers and no x-powered-by', async () => {
    const res = await t.http.get('/health/live');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('allows only the configured CORS origins', async () => {
    const allowed = await t.http.request('OPTIONS', '/health/live', {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const denied = await t.http.request('OPTIONS', '/health/live', {
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reports liveness without checks and readiness with database and migrations', async () => {
    const live = await t.http.get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });

    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.details.database.status).toBe('up');
    expect(ready.body.details.migrations.status).toBe('up');

    const detail = await t.http.get('/health');
    // The whole body on failure says which check was down.
    expect({ status: detail.status, body: detail.body }).toMatchObject({ status: 200 });
    expect(Object.keys(detail.body.details)).toEqual(
      expect.arrayContaining(['database', 'migrations', 'memory_heap', 'disk']),
    );
  });

  it('serves Swagger UI, the OpenAPI JSON and YAML with both security schemes and the problem schema', async () => {
    const ui = await t.http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');

    const doc = await t.http.get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.info.title).toBe('Content Blocks API');
    expect(doc.body.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(doc.body.components.securitySchemes.apiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    expect(doc.body.components.schemas.ProblemDto.properties).toHaveProperty('requestId');
    expect(doc.body.tags.map((tag: { name: string }) => tag.name)).toEqual(
      expect.arrayContaining(['auth', 'blocks', 'audit', 'health']),
    );

    const yaml = await t.http.get('/docs-yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.text).toMatch(/^openapi: 3/m);
  });
});
