import { randomUUID } from 'node:crypto';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const SCHEMA = {
  type: 'object',
  properties: {
    customer: { type: 'string' },
    effective: { type: 'string', format: 'date' },
    seats: { type: 'integer', default: 5 },
  },
  required: ['customer'],
};

describe('templates: CRUD, versions, schema, Liquid syntax, tenancy', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (body: unknown, token = alice.accessToken) =>
    t.http.post('/api/templates', body, { token });

  it('creates, reads, replaces (a new version) and keeps older versions readable', async () => {
    const res = await create({
      name: 'Agreement',
      variables: SCHEMA,
      nodes: [
        { kind: 'heading', text: 'Agreement with {{ customer }}', level: 1 },
        { kind: 'slot', name: 'body' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"v1"');
    expect(res.body).toMatchObject({ name: 'Agreement', version: 1, description: '' });
    const id = res.body.id;

    const stale = await t.http.put(
      `/api/templates/${id}`,
      { name: 'Agreement v2', variables: SCHEMA, nodes: [{ kind: 'slot', name: 'body' }] },
      { token: alice.accessToken, headers: { 'if-match': '"v9"' } },
    );
    expect(stale.status).toBe(412);

    const put = await t.http.put(
      `/api/templates/${id}`,
      { name: 'Agreement v2', variables: SCHEMA, nodes: [{ kind: 'slot', name: 'body' }] },
      { token: alice.accessToken, headers: { 'if-match': '"v1"' } },
    );
    expect(put.status).toBe(200);
    expect(put.body.version).toBe(2);

    const v1 = await t.http.get(`/api/templates/${id}?version=1`, { token: alice.accessToken });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ version: 1, name: 'Agreement' });
    expect(v1.body.nodes).toHaveLength(2);
    const v7 = await t.http.get(`/api/templates/${id}?version=7`, { token: alice.accessToken });
    expect(v7.status).toBe(404);
    expect(v7.body.reason).toBe('TEMPLATE_VERSION_NOT_FOUND');

    const list = await t.http.get('/api/templates?q=agreement', { token: alice.accessToken });
    expect(list.body.items.map((x: { id: string }) => x.id)).toContain(id);

    const audit = await t.db.query(
      `SELECT action FROM audit_log WHERE resource_id = $1 ORDER BY seq`,
      [id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['template.create', 'template.update']),
    );
  });

  it('reports a Liquid syntax error with the node index, line and column', async () => {
    const res = await create({
      name: 'Broken',
      nodes: [
        { kind: 'text', markdown: 'fine {{ a }}' },
        { kind: 'text', markdown: 'line one\nline two {% if x %} never closed' },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ reason: 'TEMPLATE_SYNTAX_ERROR', node: 1, line: 2 });
    expect(res.body.column).toBeGreaterThan(1);

    const filter = await create({
      name: 'Filter',
      nodes: [{ kind: 'text', markdown: '{{ a | nope }}' }],
    });
    expect(filter.status).toBe(422);
    expect(filter.body).toMatchObject({ reason: 'TEMPLATE_SYNTAX_ERROR', node: 0, line: 1 });
  });

  it('refuses invalid nodes and schemas with every field listed', async () => {
    const res = await create({
      name: 'Bad',
      variables: { type: 'object', properties: { x: { type: 'string', pattern: '(a+)+$' } } },
      nodes: [{ kind: 'heading', text: '', level: 9 }, { kind: 'video' }],
    });
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'nodes[0].text',
        'nodes[0].level',
        'nodes[1].kind',
        'variables.properties.x.pattern',
      ]),
    );
    const unknownBlock = await create({
      name: 'Unknown block',
      nodes: [{ kind: 'block', blockId: randomUUID(), pin: 'latest' }],
    });
    expect(unknownBlock.status).toBe(422);
    expect(unknownBlock.body.reason).toBe('UNKNOWN_REFERENCE');
  });

  it('keeps tenants apart: another tenant’s template is a 404', async () => {
    const res = await create({ name: 'Private', nodes: [] });
    const other = await t.http.get(`/api/templates/${res.body.id}`, { token: bob.accessToken });
    expect(other.status).toBe(404);
    const del = await t.http.delete(`/api/templates/${res.body.id}`, { token: bob.accessToken });
    expect(del.status).toBe(404);
  });

  it('refuses deleting a template in use unless forced; its documents keep their version', async () => {
    const tpl = await create({
      name: 'In use',
      variables: SCHEMA,
      nodes: [
        { kind: 'heading', text: 'For {{ customer }}', level: 1 },
        { kind: 'slot', name: 'body' },
      ],
    });
    const doc = await t.http.post(
      '/api/documents',
      {
        title: 'From template',
        templateId: tpl.body.id,
        variables: { customer: 'ACME' },
        slots: { body: [{ kind: 'text', markdown: 'Hello {{ customer }}.' }] },
      },
      { token: alice.accessToken },
    );
    expect(doc.status).toBe(201);
    expect(doc.body).toMatchObject({ templateId: tpl.body.id, templateVersion: 1 });
    expect(doc.body.nodes).toHaveLength(2);

    const refused = await t.http.delete(`/api/templates/${tpl.body.id}`, {
      token: alice.accessToken,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toBe('TEMPLATE_IN_USE');
    expect(refused.body.documents).toEqual([{ id: doc.body.id, title: 'From template' }]);

    const forced = await t.http.delete(`/api/templates/${tpl.body.id}?force=true`, {
      token: alice.accessToken,
    });
    expect(forced.status).toBe(204);
    expect(
      (await t.http.get(`/api/templates/${tpl.body.id}`, { token: alice.accessToken })).status,
    ).toBe(404);
    const oldVersion = await t.http.get(`/api/templates/${tpl.body.id}?version=1`, {
      token: alice.accessToken,
    });
    expect(oldVersion.status).toBe(404);

    const assembled = await t.http.post(
      `/api/documents/${doc.body.id}/assemble`,
      {},
      { token: alice.accessToken },
    );
    expect(assembled.status).toBe(201);
    expect(assembled.body.markdown).toBe('# For ACME\n\nHello ACME.\n');
  });
});
