import { DiagnosticsModule } from '../support/diagnostics.module';
import { startTestApp, type TestApp } from '../support/test-app';

describe('errors are RFC 9457 problem+json for every failure class', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ imports: [DiagnosticsModule], env: { BODY_LIMIT_BYTES: '2048' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const expectProblem = (
    res: { status: number; headers: Headers; body: any },
    status: number,
    code: string,
  ) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status,
      code,
      instance: expect.any(String),
      title: expect.any(String),
    });
    expect(res.body.type).toBe(
      `urn:content-blocks:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    );
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
  };

  it('accepts a valid body', async () => {
    const res = await t.http.post('/test/echo', { title: 'ok', count: 2, items: [{ name: 'a' }] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ title: 'ok', count: 2, items: [{ name: 'a' }] });
  });

  it('answers a validation failure with 400 and one errors[] entry per field, nested ones included', async () => {
    const res = await t.http.post('/test/echo', {
      title: 7,
      count: 9,
      items: [{ name: 'x'.repeat(11) }],
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['title', 'count', 'items.0.name']));
    for (const e of res.body.errors) expect(typeof e.message).toBe('string');
  });

  it('refuses unknown fields (no mass assignment)', async () => {
    const res = await t.http.post('/test/echo', { title: 'ok', role: 'admin' });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'role' })]);
  });

  it('refuses keys that reach prototypes or class lookups (__proto__, constructor, prototype)', async () => {
    for (const raw of [
      '{"title":"ok","items":[{"name":"a","constructor":{"prototype":{"polluted":true}}}]}',
      '{"title":"ok","constructor":{"name":"x"}}',
      '{"title":"ok","__proto__":{"polluted":true}}',
    ]) {
      const res = await t.http.post('/test/echo', undefined, {
        rawBody: raw,
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(res, 400, 'VALIDATION_FAILED');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a body that is not an object', async () => {
    expectProblem(await t.http.post('/test/echo', ['title']), 400, 'VALIDATION_FAILED');
    expectProblem(await t.http.post('/test/echo', 'title'), 400, 'VALIDATION_FAILED');
  });

  it('answers malformed JSON with 400', async () => {
    const res = await t.http.post('/test/echo', undefined, {
      rawBody: '{"title": "x",',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });

  it('answers an oversized body with 413', async () => {
    const res = await t.http.post('/test/echo', { title: 'x'.repeat(5000) });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a wrong content type with 415', async () => {
    const xml = await t.http.post('/test/echo', undefined, {
      rawBody: '<title>x</title>',
      headers: { 'content-type': 'application/xml' },
    });
    expectProblem(xml, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const text = await t.http.post('/test/echo', undefined, {
      rawBody: 'title=x',
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an unexpected error with a bare 500, and logs it with its stack', async () => {
    const res = await t.http.get('/test/boom');
    expectProblem(res, 500, 'INTERNAL');
    expect(res.text).not.toContain('secret internal detail');
    expect(res.text).not.toContain('/srv/app');
    expect(res.text).not.toMatch(/at \w+ \(/);
    await new Promise((r) => setTimeout(r, 50));
    const logged = t.logs.find(
      (l) => l.msg === 'unhandled error' && l.requestId === res.body.requestId,
    );
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain('secret internal detail');
    expect((logged!.err as { stack: string }).stack).toContain('at ');
  });

  it('answers an unknown route with 404 and an unknown method with 404', async () => {
    expectProblem(await t.http.get('/api/nothing/here'), 404, 'NOT_FOUND');
    // The detail never echoes the caller's path back (markup, probes, secrets in paths).
    const hostile = await t.http.get('/api/%3Cscript%3Ealert(1)%3C%2Fscript%3E/x?token=abc');
    expectProblem(hostile, 404, 'NOT_FOUND');
    expect(hostile.body.detail).toBe('No route matches GET on this path');
    expect(hostile.body.instance).not.toContain('token');
    expectProblem(await t.http.request('PATCH', '/test/echo', { body: {} }), 404, 'NOT_FOUND');
  });
});
