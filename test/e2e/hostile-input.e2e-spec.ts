import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const SAMPLE_ID = '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f';
const BODY_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Content types the server has a parser for, and ones it has not (with bodies that would
 * parse under them): none may ever reach a handler that did not declare it.
 */
const CONTENT_TYPES: Array<{ type: string | undefined; body: string }> = [
  { type: 'application/json', body: '{}' },
  { type: 'application/json; charset=utf-8', body: '{"a":1}' },
  { type: 'application/x-ndjson', body: '{"title":"x"}\n{"title":"y"}\n' },
  { type: 'application/x-www-form-urlencoded', body: 'login=a&password=b' },
  { type: 'text/plain', body: 'hello' },
  { type: 'multipart/form-data; boundary=x', body: '--x\r\n\r\nv\r\n--x--\r\n' },
  { type: 'application/xml', body: '<a/>' },
  { type: 'application/octet-stream', body: '\u0000\u0001\u0002' },
  { type: 'application/problem+json', body: '{}' },
  { type: 'application/x-ndjson; charset=latin1', body: '{"a":1}\n' },
  { type: ';;;', body: '{}' },
  { type: undefined, body: '{}' },
];

interface Operation {
  method: string;
  path: string;
  consumes: string[];
}

describe('hostile input: content types, width and query strings', () => {
  let t: TestApp;
  let admin: RegisteredUser;
  let operations: Operation[];

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_AUTH_PER_MINUTE: '10000',
        RATE_LIMIT_PER_MINUTE: '100000',
        // Its anonymous probes of every operation would otherwise trip the failed-auth throttle.
        RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '100000',
      },
    });
    admin = await registerUser(t.http);
    const doc = await t.http.get('/docs-json');
    operations = [];
    for (const [path, item] of Object.entries<
      Record<string, { requestBody?: { content?: Record<string, unknown> } }>
    >(doc.body.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const consumes = Object.keys(op.requestBody?.content ?? { 'application/json': {} });
        operations.push({ method: method.toUpperCase(), path, consumes });
      }
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers the NDJSON login that used to abort the process with a 415', async () => {
    const res = await t.http.post('/api/auth/login', undefined, {
      rawBody: '{"login":"a","password":"b"}\n',
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(res.body.detail).toContain('application/json');
    expect((await t.http.get('/health/live')).status).toBe(200);
  });

  it('refuses a form body (no form parser is registered) with a 415', async () => {
    const res = await t.http.post('/api/auth/login', undefined, {
      rawBody: 'login=a&password=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
  });

  it('never answers a 5xx to any content type on any operation, and keeps serving', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    // Its own user: with JSON a call goes through, and logout ends the session it used.
    const sweeper = await registerUser(t.http);
    const serverErrors: string[] = [];
    const leaks: string[] = [];
    for (const op of operations) {
      // Destructive routes are called without credentials only: the check must come first anyway.
      const destructive = op.method === 'DELETE' || op.path.includes('/me');
      const url = op.path.replace(/\{n\}/g, '1').replace(/\{[^}]+\}/g, SAMPLE_ID);
      for (const { type, body } of CONTENT_TYPES) {
        for (const token of destructive ? [undefined] : [undefined, sweeper.accessToken]) {
          const res = await t.http.request(op.method, url, {
            rawBody: BODY_METHODS.includes(op.method) ? body : undefined,
            headers: type === undefined ? {} : { 'content-type': type },
            token,
          });
          const name = `${op.method} ${op.path} [${type ?? 'none'}]${token ? ' auth' : ''}`;
          if (res.status >= 500) serverErrors.push(`${name} -> ${res.status}`);
          const essence = (type ?? '').split(';')[0].trim();
          // A body of a type the operation does not declare never gets past the check.
          if (
            BODY_METHODS.includes(op.method) &&
            type !== undefined &&
            !op.consumes.includes(essence) &&
            res.status !== 415
          ) {
            leaks.push(`${name} -> ${res.status}`);
          }
        }
      }
    }
    expect(serverErrors).toEqual([]);
    expect(leaks).toEqual([]);
    expect((await t.http.get('/health/live')).status).toBe(200);
    expect((await t.http.get('/api/auth/me', { token: admin.accessToken })).status).toBe(200);
  });

  it('still takes NDJSON where the route declares it (the import)', async () => {
    const res = await t.http.post('/api/blocks/import', undefined, {
      rawBody: '{"title":"one"}\n{"title":"two"}\n',
      headers: { 'content-type': 'application/x-ndjson' },
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2, failed: [] });
  });

  it('refuses the 100 000-key login body with a 400 naming the limit, before validation', async () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `"k${i}":1`).join(',');
    const res = await t.http.post('/api/auth/login', undefined, {
      rawBody: `{"login":"a","password":"b",${keys}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    // The validation pipe would list each unknown key in errors[]; the shape check has none.
    expect(res.body.errors).toBeUndefined();
    expect(res.body.detail).toContain('more than 1000 keys (BODY_MAX_KEYS)');
  });

  it('refuses a wide array and a wide nested object in a bulk body with a 400', async () => {
    const items = Array.from({ length: 10_001 }, () => '1').join(',');
    const wideArray = await t.http.post('/api/blocks/bulk', undefined, {
      rawBody: `{"operations":[{"op":"create","data":{"title":"x","tags":[${items}]}}]}`,
      headers: { 'content-type': 'application/json' },
      token: admin.accessToken,
    });
    expect(wideArray.status).toBe(400);
    expect(wideArray.body.detail).toContain('more than 10000 items (BODY_MAX_ITEMS)');
    const metadata = Array.from({ length: 1001 }, (_, i) => `"m${i}":0`).join(',');
    const wideData = await t.http.post('/api/blocks/bulk', undefined, {
      rawBody: `{"operations":[{"op":"create","data":{"title":"x","metadata":{${metadata}}}}]}`,
      headers: { 'content-type': 'application/json' },
      token: admin.accessToken,
    });
    expect(wideData.status).toBe(400);
    expect(wideData.body.detail).toContain('more than 1000 keys');
  });

  it('accepts the widest legitimate bulk: 500 operations with 32 tags each', async () => {
    const operationsBody = Array.from({ length: 500 }, (_, i) => ({
      op: 'create',
      data: { title: `b${i}`, tags: Array.from({ length: 32 }, (_, j) => `t${j}`) },
    }));
    const res = await t.http.post(
      '/api/blocks/bulk',
      { operations: operationsBody },
      { token: admin.accessToken },
    );
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(500);
  });

  it('reports a wide import line as failed and imports the others', async () => {
    const metadata = Array.from({ length: 1001 }, (_, i) => `"m${i}":0`).join(',');
    const res = await t.http.post('/api/blocks/import', undefined, {
      rawBody: `{"title":"ok"}\n{"title":"wide","metadata":{${metadata}}}\n`,
      headers: { 'content-type': 'application/x-ndjson' },
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(1);
    expect(res.body.failed).toEqual([
      { line: 2, error: expect.stringContaining('more than 1000 keys') },
    ]);
  });

  it('refuses a query string with more parameters than QUERY_MAX_PARAMS with a 400', async () => {
    const tags = Array.from({ length: 300 }, (_, i) => `tag=t${i}`).join('&');
    const res = await t.http.get(`/api/blocks?${tags}`, { token: admin.accessToken });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('more than 256 parameters (QUERY_MAX_PARAMS)');
    const fine = await t.http.get('/api/blocks?tag=a&tag=b&limit=5', {
      token: admin.accessToken,
    });
    expect(fine.status).toBe(200);
    expect((await t.http.get('/health/live')).status).toBe(200);
  });

  it('returns search highlights as escaped text with <mark> and no other markup', async () => {
    const corpus = [
      '<script>alert(1)</script> zebrafish',
      '<img src=x onerror=alert(1)> zebrafish',
      '"><svg onload=alert(1)> zebrafish',
      '<mark>zebrafish</mark><a href="javascript:alert(1)">x</a>',
      '\uE000<script>zebrafish\uE001</script>',
      '&lt;script&gt; zebrafish &#x3C;b&#x3E;',
      "<scr<script>ipt>zebrafish</scr</script>ipt> ' onmouseover='x",
    ];
    for (const content of corpus) {
      const created = await t.http.post(
        '/api/blocks',
        { title: 'XSS probe <b>', content: `zebrafish ${content}`, type: 'html' },
        { token: admin.accessToken },
      );
      expect(created.status).toBe(201);
    }
    const res = await t.http.get('/api/blocks/search?q=zebrafish&limit=20', {
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(corpus.length);
    // ts_headline keeps the tags it meets near a match: before escaping they reached clients.
    expect(res.body.items.some((i: { highlight: string }) => i.highlight.includes('&lt;'))).toBe(
      true,
    );
    for (const { highlight } of res.body.items as Array<{ highlight: string }>) {
      expect(highlight).toContain('<mark>');
      const markup = highlight.replaceAll('<mark>', '').replaceAll('</mark>', '');
      expect(markup).not.toMatch(/[<>"'\uE000\uE001]/);
    }
  });
});
