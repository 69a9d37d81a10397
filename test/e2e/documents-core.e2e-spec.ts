import { randomUUID } from 'node:crypto';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('documents: CRUD, pins, bump, assembly, export', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => ({ token: user.accessToken });

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  const editBlock = async (id: string, content: string) => {
    const res = await t.http.patch(`/api/blocks/${id}`, { content }, as(alice));
    expect(res.status).toBe(200);
    return res.body;
  };

  it('creates a document with pinned and live references; stale and missing show in references', async () => {
    const pinned = await createBlock(t.http, alice.accessToken, {
      type: 'markdown',
      content: 'Pinned v1',
    });
    const live = await createBlock(t.http, alice.accessToken, {
      type: 'markdown',
      content: 'Live v1',
    });
    const res = await t.http.post(
      '/api/documents',
      {
        title: 'Handbook',
        nodes: [
          { kind: 'heading', text: 'Handbook', level: 1 },
          { kind: 'block', blockId: pinned.id, pin: 1 },
          { kind: 'block', blockId: live.id, pin: 'latest' },
        ],
      },
      as(alice),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"v1"');
    const id = res.body.id;

    await editBlock(pinned.id, 'Pinned v2');
    await editBlock(live.id, 'Live v2');
    const read = await t.http.get(`/api/documents/${id}`, as(alice));
    expect(read.status).toBe(200);
    expect(read.body.references).toEqual([
      {
        blockId: pinned.id,
        pin: 1,
        resolvedVersion: 1,
        latestVersion: 2,
        stale: true,
        missing: false,
        path: [pinned.id],
      },
      {
        blockId: live.id,
        pin: 'latest',
        resolvedVersion: 2,
        latestVersion: 2,
        stale: false,
        missing: false,
        path: [live.id],
      },
    ]);

    const assembled = await t.http.post(`/api/documents/${id}/assemble`, {}, as(alice));
    expect(assembled.status).toBe(201);
    expect(assembled.body.markdown).toBe('# Handbook\n\nPinned v1\n\nLive v2\n');
    expect(assembled.body.manifest.map((m: { version: number }) => m.version)).toEqual([1, 2]);

    // bump moves the pin to the latest version; If-Match guards it.
    const stale = await t.http.patch(
      `/api/documents/${id}`,
      { bump: true },
      { ...as(alice), headers: { 'if-match': '"v7"' } },
    );
    expect(stale.status).toBe(412);
    const bumped = await t.http.patch(
      `/api/documents/${id}`,
      { bump: [pinned.id] },
      { ...as(alice), headers: { 'if-match': '"v1"' } },
    );
    expect(bumped.status).toBe(200);
    expect(bumped.body.version).toBe(2);
    expect(bumped.body.nodes[1].pin).toBe(2);
    expect(bumped.body.references[0]).toMatchObject({ pin: 2, stale: false });
    const v1 = await t.http.get(`/api/documents/${id}?version=1`, as(alice));
    expect(v1.body.nodes[1].pin).toBe(1);

    // A deleted block: missing; the live reference fails assembly unless onMissing says otherwise;
    // a pinned one still renders from history, with a warning.
    await t.http.delete(`/api/blocks/${live.id}`, as(alice));
    await t.http.delete(`/api/blocks/${pinned.id}`, as(alice));
    const after = await t.http.get(`/api/documents/${id}`, as(alice));
    expect(after.body.references.map((r: { missing: boolean }) => r.missing)).toEqual([true, true]);
    const failed = await t.http.post(`/api/documents/${id}/assemble`, {}, as(alice));
    expect(failed.status).toBe(422);
    expect(failed.body).toMatchObject({ reason: 'MISSING_REFERENCE', blockIds: [live.id] });
    const omitted = await t.http.post(
      `/api/documents/${id}/assemble`,
      { onMissing: 'omit' },
      as(alice),
    );
    expect(omitted.status).toBe(201);
    expect(omitted.body.markdown).toBe('# Handbook\n\nPinned v2\n');
    expect(omitted.body.warnings.map((w: { code: string }) => w.code).sort()).toEqual([
      'MISSING_BLOCK_OMITTED',
      'PINNED_VERSION_OF_DELETED_BLOCK',
    ]);
    const placeholder = await t.http.post(
      `/api/documents/${id}/assemble`,
      { onMissing: 'placeholder', dryRun: true },
      as(alice),
    );
    expect(placeholder.status).toBe(200);
    expect(placeholder.body.id).toBeNull();
    expect(placeholder.body.markdown).toContain(`Missing block ${live.id}`);

    // A new reference to a deleted block is refused like an unknown one (the ones already in
    // the document may stay, so it remains editable).
    const gone = await createBlock(t.http, alice.accessToken, { content: 'gone' });
    await t.http.delete(`/api/blocks/${gone.id}`, as(alice));
    const kept = await t.http.patch(`/api/documents/${id}`, { title: 'Handbook 2' }, as(alice));
    expect(kept.status).toBe(200);
    const added = await t.http.patch(
      `/api/documents/${id}`,
      { nodes: [...bumped.body.nodes, { kind: 'block', blockId: gone.id, pin: 'latest' }] },
      as(alice),
    );
    expect(added.status).toBe(422);
    expect(added.body.reason).toBe('UNKNOWN_REFERENCE');
  });

  it('refuses unknown and other-tenant block ids alike, listing them', async () => {
    const foreign = await createBlock(t.http, bob.accessToken, { content: 'Bob only' });
    const unknown = randomUUID();
    const res = await t.http.post(
      '/api/documents',
      {
        title: 'Mixed',
        nodes: [
          { kind: 'block', blockId: foreign.id, pin: 'latest' },
          { kind: 'block', blockId: unknown, pin: 'latest' },
        ],
      },
      as(alice),
    );
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe('UNKNOWN_REFERENCE');
    expect(res.body.blockIds.sort()).toEqual([foreign.id, unknown].sort());
    const badVersion = await t.http.post(
      '/api/documents',
      { title: 'Future pin', nodes: [{ kind: 'block', blockId: foreign.id, pin: 5 }] },
      as(bob),
    );
    expect(badVersion.status).toBe(422);
    expect(badVersion.body.reason).toBe('UNKNOWN_REFERENCE');
  });

  it('assembles reproducibly: same markdown and manifest hashes twice, stored and listed', async () => {
    const inner = await createBlock(t.http, alice.accessToken, {
      type: 'markdown',
      content: '## Inner {{ who }}',
    });
    const outer = await createBlock(t.http, alice.accessToken, {
      type: 'markdown',
      content: `# Outer\n{% include_block "${inner.id}" %}\nafter`,
    });
    const html = await createBlock(t.http, alice.accessToken, {
      type: 'html',
      content: '<p>{{ not_liquid }}</p>',
    });
    const doc = await t.http.post(
      '/api/documents',
      {
        title: 'Repro — Ünïcode',
        variables: { who: 'there' },
        nodes: [
          { kind: 'toc' },
          { kind: 'block', blockId: outer.id, pin: 'latest', headingOffset: 1 },
          { kind: 'page-break' },
          { kind: 'block', blockId: html.id, pin: 1 },
          { kind: 'block', blockId: outer.id, pin: 'latest', when: { audience: ['admin'] } },
        ],
      },
      as(alice),
    );
    expect(doc.status).toBe(201);
    expect(doc.body.references.map((r: { path: string[] }) => r.path)).toEqual([
      [outer.id],
      [outer.id, inner.id],
      [html.id],
      [outer.id],
      [outer.id, inner.id],
    ]);
    const first = await t.http.post(
      `/api/documents/${doc.body.id}/assemble`,
      { profile: { audience: 'user' } },
      as(alice),
    );
    const second = await t.http.post(
      `/api/documents/${doc.body.id}/assemble`,
      { profile: { audience: 'user' } },
      as(alice),
    );
    expect(first.status).toBe(201);
    expect(first.body.markdown).toBe(
      '- 1 Outer\n  - 1.1 Inner there\n\n## 1 Outer\n\n### 1.1 Inner there\n\nafter\n\n<!-- page-break -->\n\n<p>{{ not_liquid }}</p>\n',
    );
    expect(first.body.toc).toEqual([
      { level: 2, text: 'Outer', number: '1' },
      { level: 3, text: 'Inner there', number: '1.1' },
    ]);
    expect(second.body.markdown).toBe(first.body.markdown);
    expect(second.body.manifest).toEqual(first.body.manifest);
    expect(first.body.manifest).toHaveLength(3);
    expect(first.body.manifest[1]).toMatchObject({
      blockId: inner.id,
      version: 1,
      path: [outer.id, inner.id],
    });
    expect(first.body.manifest[1].contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(second.body.id).not.toBe(first.body.id);

    const list = await t.http.get(`/api/documents/${doc.body.id}/assemblies?limit=1`, as(alice));
    expect(list.status).toBe(200);
    expect(list.body.items[0].id).toBe(second.body.id);
    expect(list.body.nextCursor).not.toBeNull();
    const page2 = await t.http.get(
      `/api/documents/${doc.body.id}/assemblies?limit=1&cursor=${list.body.nextCursor}`,
      as(alice),
    );
    expect(page2.body.items[0].id).toBe(first.body.id);

    // Export: the stored bytes, as a Markdown attachment named after the title.
    const exported = await t.http.get(
      `/api/documents/${doc.body.id}/export?format=markdown&assemblyId=${first.body.id}`,
      as(alice),
    );
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(exported.headers.get('content-disposition')).toBe(
      'attachment; filename="repro-unicode.md"',
    );
    expect(exported.text).toBe(first.body.markdown);
    const fresh = await t.http.get(
      `/api/documents/${doc.body.id}/export?format=markdown`,
      as(alice),
    );
    expect(fresh.status).toBe(200);
    // No profile: the `when` node is kept too (an attribute the profile does not set never
    // filters), and its level-1 heading makes the earlier level-2 ones 0.x.
    expect(fresh.text).toContain('## 0.1 Outer');
    expect(fresh.text).toContain('# 1 Outer');
    const docx = await t.http.get(`/api/documents/${doc.body.id}/export?format=docx`, as(alice));
    expect(docx.status).toBe(200);
    expect(docx.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(docx.headers.get('content-disposition')).toBe(
      'attachment; filename="repro-unicode.docx"',
    );
    for (const format of ['html', 'text']) {
      const file = await t.http.get(
        `/api/documents/${doc.body.id}/export?format=${format}&assemblyId=${first.body.id}`,
        as(alice),
      );
      expect(file.status).toBe(200);
      expect(file.text).toContain('Outer');
    }
    // No browser configured in tests: PDF is refused before any work.
    const pdf = await t.http.get(`/api/documents/${doc.body.id}/export?format=pdf`, as(alice));
    expect(pdf.status).toBe(501);
    expect(pdf.body.reason).toBe('PDF_RENDERER_NOT_CONFIGURED');
    const bad = await t.http.get(`/api/documents/${doc.body.id}/export?format=exe`, as(alice));
    expect(bad.status).toBe(400);
    const otherTenant = await t.http.get(
      `/api/documents/${doc.body.id}/export?format=markdown`,
      as(bob),
    );
    expect(otherTenant.status).toBe(404);

    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toMatch(/document_assemblies_total\{result="stored"\} [1-9]/);
    expect(metrics.text).toMatch(/document_exports_total\{format="markdown",result="success"\} 2/);
    expect(metrics.text).toMatch(/document_exports_total\{format="pdf",result="not_available"\} 1/);
    expect(metrics.text).toMatch(
      /document_render_duration_seconds_bucket\{le="[^"]+",operation="assemble"\}/,
    );

    const actions = await t.db.query(
      `SELECT action FROM audit_log WHERE resource_id = $1 ORDER BY seq`,
      [doc.body.id],
    );
    expect(actions.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['document.create', 'document.assemble', 'document.export']),
    );
    // Stored assemblies cannot be changed, whatever the code does.
    await expect(
      t.db.query(`UPDATE document_assemblies SET markdown = 'x' WHERE id = $1`, [first.body.id]),
    ).rejects.toThrow(/immutable/);
  });

  it('reports every missing required variable at once, and type errors field by field', async () => {
    const tpl = await t.http.post(
      '/api/templates',
      {
        name: 'Letter',
        variables: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            city: { type: 'string' },
            count: { type: 'integer', default: 3 },
          },
          required: ['name', 'city'],
        },
        nodes: [{ kind: 'text', markdown: 'Dear {{ name }} of {{ city }} ({{ count }})' }],
      },
      as(alice),
    );
    const doc = await t.http.post(
      '/api/documents',
      { title: 'Letter', templateId: tpl.body.id },
      as(alice),
    );
    expect(doc.status).toBe(201);
    const missing = await t.http.post(`/api/documents/${doc.body.id}/assemble`, {}, as(alice));
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({
      reason: 'MISSING_VARIABLES',
      missingVariables: ['city', 'name'],
    });
    const wrong = await t.http.post(
      `/api/documents/${doc.body.id}/assemble`,
      { variables: { name: 'A', city: 'B', count: 'many' } },
      as(alice),
    );
    expect(wrong.status).toBe(422);
    expect(wrong.body.reason).toBe('INVALID_VARIABLES');
    expect(wrong.body.errors[0].field).toBe('variables.count');
    // Values are data: Liquid in a value is printed, never run.
    const ok = await t.http.post(
      `/api/documents/${doc.body.id}/assemble`,
      { variables: { name: '{{ 7 | plus: 1 }}', city: '{% raw %}' } },
      as(alice),
    );
    expect(ok.status).toBe(201);
    expect(ok.body.markdown).toBe('Dear {{ 7 | plus: 1 }} of {% raw %} (3)\n');
  });

  it('lists, filters and soft-deletes; caps the node count naming the limit', async () => {
    const block = await createBlock(t.http, alice.accessToken, { content: 'x' });
    const doc = await t.http.post(
      '/api/documents',
      { title: 'Findable zebra', nodes: [{ kind: 'block', blockId: block.id, pin: 'latest' }] },
      as(alice),
    );
    const byQ = await t.http.get('/api/documents?q=zebra', as(alice));
    expect(byQ.body.items.map((d: { id: string }) => d.id)).toEqual([doc.body.id]);
    const byBlock = await t.http.get(`/api/documents?usesBlock=${block.id}`, as(alice));
    expect(byBlock.body.items.map((d: { id: string }) => d.id)).toEqual([doc.body.id]);
    expect((await t.http.get('/api/documents?q=zebra', as(bob))).body.items).toEqual([]);

    expect((await t.http.delete(`/api/documents/${doc.body.id}`, as(bob))).status).toBe(404);
    expect((await t.http.delete(`/api/documents/${doc.body.id}`, as(alice))).status).toBe(204);
    expect((await t.http.get(`/api/documents/${doc.body.id}`, as(alice))).status).toBe(404);
    expect((await t.http.get('/api/documents?q=zebra', as(alice))).body.items).toEqual([]);

    const big = await t.http.post(
      '/api/documents',
      { title: 'Big', nodes: Array.from({ length: 1001 }, () => ({ kind: 'page-break' })) },
      as(alice),
    );
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ reason: 'DOCUMENT_TOO_LARGE', limit: 'maxNodes', max: 1000 });
  });
});
