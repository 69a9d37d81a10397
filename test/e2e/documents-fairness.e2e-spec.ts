import { type Release, TenantConcurrency } from '@app/common';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { parsePrometheus, sum } from '../support/prometheus';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Assembly and export rendering are heavy (reference resolution, Liquid, DOCX/PDF on the
 * workers): each runs inside the tenant's own slot. The test holds tenant A's only slot itself,
 * through the app's limiter, so who is refused never depends on timing.
 */
describe('documents: per-tenant caps on assembly and export rendering', () => {
  let t: TestApp;
  let a: RegisteredUser;
  let b: RegisteredUser;
  const docs = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...BLOCKS_TEST_ENV,
        TENANT_CONCURRENCY: 'assemble=1,render=1',
        CONCURRENCY_WAIT_MS: '200',
      },
    });
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    for (const user of [a, b]) {
      const block = await createBlock(t.http, user.accessToken, { content: 'Harbor rules' });
      const doc = await t.http.post(
        '/api/documents',
        { title: 'Harbor', nodes: [{ kind: 'block', blockId: block.id, pin: 'latest' }] },
        { token: user.accessToken },
      );
      expect(doc.status).toBe(201);
      docs.set(user.user.id, doc.body.id);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const assemble = (user: RegisteredUser) =>
    t.http.post(
      `/api/documents/${docs.get(user.user.id)}/assemble`,
      {},
      { token: user.accessToken },
    );
  const hold = (operation: 'assemble' | 'render', user: RegisteredUser): Promise<Release> =>
    t.app.get(TenantConcurrency).acquire(operation, user.user.tenantId);
  const rejections = async (operation: string): Promise<number> =>
    sum(
      parsePrometheus((await t.http.get('/metrics')).text),
      'tenant_concurrency_rejections_total',
      {
        operation,
        scope: 'tenant',
      },
    );

  it("refuses an assembly over the tenant's cap with 429 TENANT_BUSY; another tenant assembles", async () => {
    const release = await hold('assemble', a);
    try {
      const refused = await assemble(a);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body).toMatchObject({
        reason: 'TENANT_BUSY',
        detail: expect.stringMatching(/already runs 1 assemble operations? at once/),
      });
      expect((await assemble(b)).status).toBe(201);
    } finally {
      release();
    }
    expect(await rejections('assemble')).toBe(1);
    // Refused means nothing was stored: A's list holds only the assembly made after the release.
    expect((await assemble(a)).status).toBe(201);
    const list = await t.http.get(`/api/documents/${docs.get(a.user.id)}/assemblies`, {
      token: a.accessToken,
    });
    expect(list.body.items).toHaveLength(1);
  });

  it("refuses an export's rendering over the tenant's cap; another tenant exports", async () => {
    const exportDoc = (user: RegisteredUser) =>
      t.http.get(`/api/documents/${docs.get(user.user.id)}/export?format=docx`, {
        token: user.accessToken,
      });
    const release = await hold('render', a);
    try {
      const refused = await exportDoc(a);
      expect(refused.status).toBe(429);
      expect(refused.body.reason).toBe('TENANT_BUSY');
      const other = await exportDoc(b);
      expect(other.status).toBe(200);
      expect(other.headers.get('content-type')).toMatch(/wordprocessingml/);
    } finally {
      release();
    }
    expect(await rejections('render')).toBe(1);
    expect((await exportDoc(a)).status).toBe(200);
  });
});
