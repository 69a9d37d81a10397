import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { type ApplicationConfig, ModulesContainer, Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, ROLES_KEY } from '@app/common';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Every operation of the OpenAPI document, called without credentials, must answer 401 unless
 * it is on this explicit list of public routes. A new route without a decision fails here.
 */
const PUBLIC_OPERATIONS = new Set([
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'GET /health/live',
  'GET /health/ready',
  'GET /health',
  // Open by default so Prometheus scrapes without setup; METRICS_TOKEN or METRICS_PORT closes or moves it.
  'GET /metrics',
]);

const SAMPLE_ID = '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f';

interface RouteDeclaration {
  name: string;
  isPublic: boolean;
  roles: string[] | undefined;
}

/** Every controller method the app routes, with its `@Public()` and `@Roles()` as the guards read them. */
function declaredRoutes(t: TestApp): RouteDeclaration[] {
  const reflector = new Reflector();
  const routes: RouteDeclaration[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '');
      for (const key of Object.getOwnPropertyNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const path = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '');
        const targets = [handler, type];
        routes.push({
          name: `${RequestMethod[method]} /${[base, path].filter((p) => p && p !== '/').join('/')}`,
          isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
          roles: reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, targets),
        });
      }
    }
  }
  return routes;
}

describe('route inventory: closed by default', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Every operation is one failed authentication from one address: more than the default
    // failed-auth throttle lets through in a minute.
    t = await startTestApp({
      env: { RATE_LIMIT_AUTH_PER_MINUTE: '10000', RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '10000' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 401 (problem+json, WWW-Authenticate) on every non-public operation without credentials', async () => {
    const doc = await t.http.get('/docs-json');
    expect(doc.status).toBe(200);
    const operations: Array<{
      method: string;
      path: string;
      operationId: string;
      consumes?: string;
    }> = [];
    for (const [path, item] of Object.entries<
      Record<string, { operationId: string; requestBody?: { content: Record<string, unknown> } }>
    >(doc.body.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const consumes = op.requestBody && Object.keys(op.requestBody.content)[0];
        operations.push({
          method: method.toUpperCase(),
          path,
          operationId: op.operationId,
          consumes,
        });
      }
    }
    expect(operations.length).toBeGreaterThanOrEqual(20);
    for (const route of PUBLIC_OPERATIONS) {
      expect(operations.map((o) => `${o.method} ${o.path}`)).toContain(route);
    }

    const unexpected: string[] = [];
    for (const op of operations) {
      const url = op.path.replace(/\{[^}]+\}/g, SAMPLE_ID);
      // Each body in the media type the operation declares: a wrong type is a 415 before auth.
      const hasBody = ['POST', 'PUT', 'PATCH'].includes(op.method);
      const res =
        hasBody && op.consumes && op.consumes !== 'application/json'
          ? await t.http.request(op.method, url, {
              rawBody: '',
              headers: { 'content-type': op.consumes },
            })
          : await t.http.request(op.method, url, { body: hasBody ? {} : undefined });
      const name = `${op.method} ${op.path}`;
      if (PUBLIC_OPERATIONS.has(name)) {
        expect([name, res.status === 401]).toEqual([name, false]);
        continue;
      }
      if (res.status !== 401) unexpected.push(`${name} -> ${res.status}`);
      else {
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    }
    expect(unexpected).toEqual([]);
  });

  it('runs the global guards in order: audit mark, authentication, rate limit, authorization, concurrency precheck', () => {
    // The app's own guard list, in the order Nest calls them (a test-only look at a private field).
    const config = Reflect.get(t.app, 'config') as ApplicationConfig;
    expect(config.getGlobalGuards().map((guard) => guard.constructor.name)).toEqual([
      'AuditMarkGuard',
      'AuthenticationGuard',
      'RateLimitGuard',
      'AuthorizationGuard',
      'ConcurrencyPrecheckGuard',
    ]);
  });

  it('declares roles on every route that is not public (undeclared roles are refused)', () => {
    const routes = declaredRoutes(t);
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const undeclared = routes.filter((r) => !r.isPublic && !r.roles?.length).map((r) => r.name);
    expect(undeclared).toEqual([]);
  });

  it('documents every operation with a unique explicit operationId, a tag, security and error responses', async () => {
    const doc = (await t.http.get('/docs-json')).body;
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        expect([name, typeof op.operationId]).toEqual([name, 'string']);
        expect([name, op.operationId.includes('_')]).toEqual([name, false]);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect([name, op.tags?.length > 0]).toEqual([name, true]);
        if (!path.startsWith('/api/auth') || PUBLIC_OPERATIONS.has(name)) continue;
        expect([name, op.security?.length > 0]).toEqual([name, true]);
        expect([name, Object.keys(op.responses)]).toEqual([name, expect.arrayContaining(['401'])]);
      }
    }
    expect(doc.components.schemas.TokenResponseDto).toBeDefined();
    expect(doc.components.schemas.UserPage).toBeDefined();
    expect(doc.components.schemas.Role.enum).toEqual(['admin', 'user', 'guest']);
  });
});
