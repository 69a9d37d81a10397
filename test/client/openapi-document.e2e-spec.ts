import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run } from '../deploy/tools';
import { registerUser } from '../support/auth-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operations(document: Json): Array<{ name: string; path: string; op: Json }> {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, path, op: op as Json })),
  );
}

/** A schema with its $ref followed (one level is all request bodies use). */
function resolve(document: Json, schema: Json): Json {
  const ref = schema.$ref as string | undefined;
  return ref ? document.components.schemas[ref.split('/').pop()!] : schema;
}

// Limits other than the defaults (200, 1 MiB, 32, 64, 100 MiB): the document must follow them.
const LIMITS = {
  BLOCKS_MAX_TITLE_LENGTH: '40',
  BLOCKS_MAX_CONTENT_BYTES: '5000',
  BLOCKS_MAX_TAGS: '3',
  BLOCKS_MAX_TAG_LENGTH: '12',
  BLOCKS_IMPORT_MAX_BYTES: '50000',
};

describe('the OpenAPI document tells the truth', () => {
  let t: TestApp;
  let document: Json;

  beforeAll(async () => {
    t = await startTestApp({ env: LIMITS });
    document = (await t.http.get('/docs-json')).body;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('states the configured BLOCKS_* limits, and the server enforces exactly those', async () => {
    for (const name of ['CreateBlockDto', 'UpdateBlockDto']) {
      const { title, content, tags } = document.components.schemas[name].properties;
      expect({ name, title: title.maxLength, content: content.maxLength }).toEqual({
        name,
        title: 40,
        content: 5000,
      });
      expect({ maxItems: tags.maxItems, itemLength: tags.items.maxLength }).toEqual({
        maxItems: 3,
        itemLength: 12,
      });
      expect(title.description).toContain('1..40 characters');
      expect(tags.description).toContain('At most 3 distinct tags of 1..12 characters');
    }
    const { accessToken } = await registerUser(t.http);
    const create = (body: Json) => t.http.post('/api/blocks', body, { token: accessToken });
    expect((await create({ title: 'x'.repeat(40), tags: ['a', 'b', 'c'] })).status).toBe(201);
    expect((await create({ title: 'x'.repeat(41) })).status).toBe(400);
    expect((await create({ title: 'ok', tags: ['a', 'b', 'c', 'd'] })).status).toBe(400);
    expect((await create({ title: 'ok', tags: ['x'.repeat(13)] })).status).toBe(400);
    const importBody = document.paths['/api/blocks/import'].post.requestBody.content;
    expect(importBody['application/x-ndjson'].schema.maxLength).toBe(50_000);
    const tooLarge = await t.http.request('POST', '/api/blocks/import', {
      token: accessToken,
      headers: { 'content-type': 'application/x-ndjson' },
      rawBody: `${JSON.stringify({ title: 'x' })}\n`.padEnd(50_001, ' '),
    });
    expect(tooLarge.status).toBe(413);
  });

  it('refuses a path or query parameter one character over its declared maxLength', async () => {
    const { accessToken } = await registerUser(t.http);
    const checked: string[] = [];
    for (const { name, path, op } of operations(document)) {
      const method = name.split(' ')[0];
      const parameters = ((op.parameters ?? []) as Json[]).filter(
        (p) => ['path', 'query'].includes(p.in) && p.schema?.maxLength !== undefined,
      );
      for (const parameter of parameters) {
        const long = 'a'.repeat(parameter.schema.maxLength + 1);
        const url = path.replace(/\{(\w+)\}/g, (_, param: string) =>
          param === parameter.name && parameter.in === 'path'
            ? long
            : param === 'n'
              ? '1'
              : param === 'type'
                ? 'block'
                : randomUUID(),
        );
        const query = parameter.in === 'query' ? `?${parameter.name}=${long}` : '';
        const body = method === 'GET' || method === 'DELETE' ? undefined : {};
        const res = await t.http.request(method, `${url}${query}`, { token: accessToken, body });
        const fields = ((res.body as Json).errors ?? []).map((e: Json) => e.field);
        // The router refuses a path parameter over its own cap (414) before any pipe runs.
        const refused =
          res.status === 414 ||
          (res.status === 400 &&
            ((parameter.in === 'path' && (res.body as Json).reason === 'INVALID_ID') ||
              fields.includes(parameter.name)));
        expect([name, parameter.name, res.status, refused]).toEqual([
          name,
          parameter.name,
          res.status,
          true,
        ]);
        expect([name, res.headers.get('content-type')]).toEqual([
          name,
          expect.stringMatching(/^application\/problem\+json/),
        ]);
        checked.push(`${parameter.in} ${parameter.name}`);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['path id', 'query cursor', 'query from']));
  });

  it('declares no default on a request field (a generated client would make it required)', () => {
    const defaulted = operations(document).flatMap(({ name, op }) => {
      const schema = op.requestBody?.content?.['application/json']?.schema as Json | undefined;
      if (!schema) return [];
      const properties = (resolve(document, schema).properties ?? {}) as Json;
      return Object.entries(properties)
        .filter(([, property]) => 'default' in (property as Json))
        .map(([field]) => `${name} ${field}`);
    });
    expect(defaulted).toEqual([]);
    expect(document.components.schemas.CreateBlockDto.required).toEqual(['title']);
  });

  it('declares 429 and 500 as problem+json, and the rate-limit headers where they are sent', () => {
    const problem = { schema: { $ref: '#/components/schemas/ProblemDto' } };
    const unlimited = new Set([
      'GET /health/live',
      'GET /health/ready',
      'GET /health',
      'GET /metrics',
    ]);
    for (const { name, op } of operations(document)) {
      expect([name, op.responses['500']?.content?.['application/problem+json']]).toEqual([
        name,
        problem,
      ]);
      if (unlimited.has(name)) {
        expect([name, op.responses['429']]).toEqual([name, undefined]);
        continue;
      }
      const tooMany = op.responses['429'];
      expect([name, tooMany?.content?.['application/problem+json']]).toEqual([name, problem]);
      expect([name, tooMany.headers['Retry-After']]).toEqual([
        name,
        { $ref: '#/components/headers/RetryAfter' },
      ]);
      const success = Object.entries(op.responses as Json).filter(([status]) => /^2/.test(status));
      for (const [status, response] of success)
        expect([name, status, Object.keys((response as Json).headers ?? {})]).toEqual([
          name,
          status,
          expect.arrayContaining([
            'X-RateLimit-Limit',
            'X-RateLimit-Remaining',
            'X-RateLimit-Reset',
          ]),
        ]);
    }
    expect(document.components.headers.RetryAfter.required).toBe(true);
  });

  it('matches what the server sends: X-RateLimit-* on a counted route, none on a probe', async () => {
    const ok = await t.http.get('/api/blocks/search?q=x', {
      token: (await registerUser(t.http)).accessToken,
    });
    expect(ok.status).toBe(200);
    for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'])
      expect([name, ok.headers.get(name)]).toEqual([name, expect.stringMatching(/^\d+$/)]);
    const probe = await t.http.get('/health/live');
    expect(probe.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('serves the same document at /openapi.json and ReDoc at /redoc from local files', async () => {
    const same = await t.http.get('/openapi.json');
    expect(same.status).toBe(200);
    expect(same.body).toEqual(document);
    const page = await t.http.get('/redoc');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('<redoc spec-url="openapi.json">');
    expect(page.text).not.toMatch(/https?:\/\//);
    // Only this page lets a blob: worker run (ReDoc's search); the rest keep the plain policy.
    expect(page.headers.get('content-security-policy')).toContain("worker-src 'self' blob:");
    expect((await t.http.get('/docs')).headers.get('content-security-policy')).not.toContain(
      'blob:',
    );
    const bundle = await t.http.get('/redoc/redoc.standalone.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(bundle.text).toBe(
      readFileSync(join(ROOT, 'node_modules/redoc/bundles/redoc.standalone.js'), 'utf8'),
    );
  });

  it('builds the same document without a database and lints it clean (npm run lint:openapi)', () => {
    const out = join(ROOT, '.tmp', `openapi-lint-${process.pid}.json`);
    const env = { ...process.env, ...LIMITS, NODE_ENV: 'test', DATABASE_URL: t.databaseUrl };
    const lint = run(process.execPath, [join(ROOT, 'dist/scripts/lint-openapi.js'), '--out', out], {
      env,
      timeout: 240_000,
    });
    expect({ status: lint.status, stderr: lint.status ? lint.stderr + lint.stdout : '' }).toEqual({
      status: 0,
      stderr: '',
    });
    const output = lint.stdout + lint.stderr;
    expect(output).toMatch(/\(0 errors, \d+ warnings/); // Spectral
    expect(output).toContain('Your API description is valid'); // Redocly
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(document);
  }, 300_000);
});

describe('DOCS_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { DOCS_ENABLED: 'false' } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('serves neither ReDoc nor /openapi.json', async () => {
    for (const path of ['/redoc', '/redoc/redoc.standalone.js', '/openapi.json', '/docs-json'])
      expect([path, (await t.http.get(path)).status]).toEqual([path, 404]);
  });
});
