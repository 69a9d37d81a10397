import { randomUUID } from 'node:crypto';
import {
  createApiKey,
  createUserInTenant,
  registerUser,
  type RegisteredUser,
} from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

// testTimeout in a Jest project config is ignored (it is a global option): set it here, since a
// loaded machine makes app start-up plus registrations slower than the 5 s default.
jest.setTimeout(60_000);

describe('blocks: CRUD, ETags, limits, versions, authorization, tenant isolation', () => {
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

  const countVersions = async (id: string): Promise<number> =>
    Number(
      (await t.db.query('SELECT count(*) FROM block_versions WHERE block_id = $1', [id])).rows[0]
        .count,
    );

  describe('create and read', () => {
    it('creates a block with defaults and answers 201 with ETag and Location', async () => {
      const res = await t.http.post(
        '/api/blocks',
        { title: 'Welcome banner' },
        { token: alice.accessToken },
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        title: 'Welcome banner',
        content: '',
        type: 'text',
        tags: [],
        metadata: {},
        version: 1,
        createdBy: alice.user.id,
        updatedBy: alice.user.id,
      });
      expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
      expect(res.headers.get('etag')).toBe('"v1"');
      expect(res.headers.get('location')).toBe(`/api/blocks/${res.body.id}`);
      const row = await t.db.query('SELECT tenant_id FROM blocks WHERE id = $1', [res.body.id]);
      expect(row.rows[0].tenant_id).toBe(alice.tenantId);
    });

    it('reads a block with its ETag; If-None-Match with it is a 304 without body', async () => {
      const block = await createBlock(t.http, alice.accessToken, {
        title: 'Read me',
        content: '# Hi',
        type: 'markdown',
        tags: ['a', 'b'],
        metadata: { locale: 'en', nested: { n: 1 } },
      });
      const res = await t.http.get(`/api/blocks/${block.id}`, { token: alice.accessToken });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(block);
      expect(res.headers.get('etag')).toBe('"v1"');
      expect(res.headers.get('cache-control')).toBe('private, no-cache');

      const cached = await t.http.get(`/api/blocks/${block.id}`, {
        token: alice.accessToken,
        headers: { 'if-none-match': '"v1"' },
      });
      expect(cached.status).toBe(304);
      expect(cached.text).toBe('');
      expect(cached.headers.get('etag')).toBe('"v1"');

      const weak = await t.http.get(`/api/blocks/${block.id}`, {
        token: alice.accessToken,
        headers: { 'if-none-match': 'W/"v1"' },
      });
      expect(weak.status).toBe(304);

      const stale = await t.http.get(`/api/blocks/${block.id}`, {
        token: alice.accessToken,
        headers: { 'if-none-match': '"v0"' },
      });
      expect(stale.status).toBe(200);
    });

    it('answers 404 for an unknown id and 400 for an id that is not a UUID, on every id route', async () => {
      const missing = await t.http.get(`/api/blocks/${randomUUID()}`, { token: alice.accessToken });
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ code: 'NOT_FOUND', reason: 'BLOCK_NOT_FOUND' });

      const token = alice.accessToken;
      const bad = 'not-a-uuid';
      const calls = [
        t.http.get(`/api/blocks/${bad}`, { token }),
        t.http.patch(`/api/blocks/${bad}`, { title: 'x' }, { token }),
        t.http.delete(`/api/blocks/${bad}`, { token }),
        t.http.post(`/api/blocks/${bad}/restore`, undefined, { token }),
        t.http.get(`/api/blocks/${bad}/versions`, { token }),
        t.http.get(`/api/blocks/${bad}/versions/1`, { token }),
        t.http.get(`/api/blocks/${bad}/versions/compare?from=1&to=2`, { token }),
        t.http.post(`/api/blocks/${bad}/versions/1/restore`, undefined, { token }),
        t.http.post(
          `/api/blocks/${bad}/relations`,
          { targetId: randomUUID(), type: 'references' },
          { token },
        ),
        t.http.delete(`/api/blocks/${bad}/relations/${randomUUID()}`, { token }),
        t.http.delete(`/api/blocks/${randomUUID()}/relations/${bad}`, { token }),
        t.http.get(`/api/blocks/${bad}/related`, { token }),
        t.http.get(`/api/blocks/1'%20OR%201=1`, { token }),
      ];
      for (const res of await Promise.all(calls)) {
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    });
  });

  describe('bad input is a clear 4xx and changes nothing', () => {
    const cases: Array<[string, unknown]> = [
      ['an unknown field', { title: 'x', owner: 'someone' }],
      ['a tenantId from the client', { title: 'x', tenantId: randomUUID() }],
      ['a missing title', { content: 'x' }],
      ['an empty title', { title: '' }],
      ['a blank title', { title: '   ' }],
      ['a title of 201 characters', { title: 'a'.repeat(201) }],
      ['a title of the wrong type', { title: 42 }],
      ['content of the wrong type', { title: 'x', content: ['a'] }],
      ['content over 1 MiB', { title: 'x', content: 'a'.repeat(1024 * 1024 + 1) }],
      ['content with a NUL', { title: 'x', content: 'a\u0000b' }],
      ['an unknown type', { title: 'x', type: 'pdf' }],
      ['33 tags', { title: 'x', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }],
      ['a tag of 65 characters', { title: 'x', tags: ['a'.repeat(65)] }],
      ['duplicate tags', { title: 'x', tags: ['a', 'a'] }],
      ['tags that are not strings', { title: 'x', tags: [1, 2] }],
      ['metadata that is an array', { title: 'x', metadata: [1] }],
      ['metadata that is a string', { title: 'x', metadata: 'x' }],
      ['metadata over 16 KiB', { title: 'x', metadata: { big: 'a'.repeat(16 * 1024) } }],
      ['a body that is an array', [{ title: 'x' }]],
    ];

    it.each(cases)('refuses %s with a 400 problem', async (_name, body) => {
      const before = await t.db.query('SELECT count(*) FROM blocks');
      const res = await t.http.post('/api/blocks', body, { token: alice.accessToken });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.text).not.toMatch(/at .*\.ts|SELECT|INSERT/);
      const after = await t.db.query('SELECT count(*) FROM blocks');
      expect(after.rows[0].count).toBe(before.rows[0].count);
    });

    it('accepts every field at its limit', async () => {
      const res = await t.http.post(
        '/api/blocks',
        {
          title: 'é'.repeat(200),
          content: 'a'.repeat(1024 * 1024),
          tags: Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(64, 'x')),
          metadata: { big: 'a'.repeat(16 * 1024 - 12) },
        },
        { token: alice.accessToken },
      );
      expect(res.status).toBe(201);
    });

    it('refuses bodies nested too deeply with a 400, never a stack overflow', async () => {
      const deep = (d: number) =>
        `{"title":"deep","metadata":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`;
      const ok = await t.http.post('/api/blocks', undefined, {
        token: alice.accessToken,
        rawBody: deep(60),
        headers: { 'content-type': 'application/json' },
      });
      expect(ok.status).toBe(201);
      for (const body of [
        deep(100),
        deep(100_000),
        `{"title":"x","tags":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
      ]) {
        const res = await t.http.post('/api/blocks', undefined, {
          token: alice.accessToken,
          rawBody: body,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(400);
        expect(res.body.detail).toContain('nested');
      }
    });

    it('names the field in errors', async () => {
      const res = await t.http.post(
        '/api/blocks',
        { title: 'a'.repeat(201) },
        { token: alice.accessToken },
      );
      expect(res.body.errors).toEqual([
        { field: 'title', message: expect.stringContaining('at most 200 characters') },
      ]);
    });

    it('answers malformed JSON with a 400 and a wrong content type with a 415', async () => {
      const malformed = await t.http.post('/api/blocks', undefined, {
        token: alice.accessToken,
        rawBody: '{"title": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      const plain = await t.http.post('/api/blocks', undefined, {
        token: alice.accessToken,
        rawBody: 'title=x',
        headers: { 'content-type': 'text/plain' },
      });
      expect(plain.status).toBe(415);
    });

    it('refuses bad PATCH bodies the same way', async () => {
      const block = await createBlock(t.http, alice.accessToken);
      for (const body of [
        { title: '' },
        { version: 9 },
        { tags: 'x' },
        { metadata: null },
        { id: randomUUID() },
      ]) {
        const res = await t.http.patch(`/api/blocks/${block.id}`, body, {
          token: alice.accessToken,
        });
        expect(res.status).toBe(400);
      }
      const after = await t.http.get(`/api/blocks/${block.id}`, { token: alice.accessToken });
      expect(after.body.version).toBe(1);
    });
  });

  describe('update, delete, restore', () => {
    it('updates only the fields given, makes a new version and a new ETag', async () => {
      const block = await createBlock(t.http, alice.accessToken, {
        title: 'Old',
        content: 'one',
        tags: ['x'],
        metadata: { a: 1 },
      });
      const res = await t.http.patch(
        `/api/blocks/${block.id}`,
        { content: 'two', metadata: { b: 2 } },
        { token: alice.accessToken, headers: { 'if-match': '"v1"' } },
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        title: 'Old',
        content: 'two',
        tags: ['x'],
        metadata: { b: 2 },
        version: 2,
      });
      expect(res.headers.get('etag')).toBe('"v2"');
      expect(res.body.updatedAt >= block.updatedAt).toBe(true);
      const version = await t.db.query(
        'SELECT title, content, tags, metadata, version FROM block_versions WHERE block_id = $1',
        [block.id],
      );
      expect(version.rows).toEqual([
        { title: 'Old', content: 'one', tags: ['x'], metadata: { a: 1 }, version: 1 },
      ]);
    });

    it('makes no version when nothing changes', async () => {
      const block = await createBlock(t.http, alice.accessToken, { title: 'Same', tags: ['a'] });
      const res = await t.http.patch(
        `/api/blocks/${block.id}`,
        { title: 'Same', tags: ['a'] },
        { token: alice.accessToken },
      );
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(1);
      expect(await countVersions(block.id)).toBe(0);
    });

    it('refuses a stale If-Match with 412 and changes nothing', async () => {
      const block = await createBlock(t.http, alice.accessToken, { title: 'Guarded' });
      await t.http.patch(
        `/api/blocks/${block.id}`,
        { title: 'Guarded 2' },
        { token: alice.accessToken },
      );
      const stale = await t.http.patch(
        `/api/blocks/${block.id}`,
        { title: 'Lost update' },
        { token: alice.accessToken, headers: { 'if-match': '"v1"' } },
      );
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'VERSION_CONFLICT' });
      const weak = await t.http.patch(
        `/api/blocks/${block.id}`,
        { title: 'Lost update' },
        { token: alice.accessToken, headers: { 'if-match': 'W/"v2"' } },
      );
      expect(weak.status).toBe(412);
      const staleDelete = await t.http.delete(`/api/blocks/${block.id}`, {
        token: alice.accessToken,
        headers: { 'if-match': '"v1"' },
      });
      expect(staleDelete.status).toBe(412);
      const now = await t.http.get(`/api/blocks/${block.id}`, { token: alice.accessToken });
      expect(now.body).toMatchObject({ title: 'Guarded 2', version: 2 });
      expect(await countVersions(block.id)).toBe(1);
    });

    it('serialises concurrent updates: consecutive versions, each previous state kept once', async () => {
      const block = await createBlock(t.http, alice.accessToken, { title: 'Race 0' });
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          t.http.patch(
            `/api/blocks/${block.id}`,
            { title: `Race ${i + 1}` },
            { token: alice.accessToken },
          ),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(results.map((r) => r.body.version).sort((a, b) => a - b)).toEqual([
        2, 3, 4, 5, 6, 7, 8, 9,
      ]);
      const versions = await t.db.query(
        'SELECT version FROM block_versions WHERE block_id = $1 ORDER BY version',
        [block.id],
      );
      expect(versions.rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

      // With the same If-Match, exactly one of two racing writers wins; the other gets a 412.
      const [a, b] = await Promise.all(
        ['x', 'y'].map((title) =>
          t.http.patch(
            `/api/blocks/${block.id}`,
            { title },
            { token: alice.accessToken, headers: { 'if-match': '"v9"' } },
          ),
        ),
      );
      expect([a.status, b.status].sort()).toEqual([200, 412]);
    });

    it('soft deletes: the block leaves reads, then restore brings it back', async () => {
      const block = await createBlock(t.http, alice.accessToken, { title: 'Ephemeral' });
      const notDeleted = await t.http.post(`/api/blocks/${block.id}/restore`, undefined, {
        token: alice.accessToken,
      });
      expect(notDeleted.status).toBe(409);

      const del = await t.http.delete(`/api/blocks/${block.id}`, {
        token: alice.accessToken,
        headers: { 'if-match': '"v1"' },
      });
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      const row = await t.db.query('SELECT deleted_at FROM blocks WHERE id = $1', [block.id]);
      expect(row.rows[0].deleted_at).not.toBeNull();

      expect(
        (await t.http.get(`/api/blocks/${block.id}`, { token: alice.accessToken })).status,
      ).toBe(404);
      expect(
        (
          await t.http.patch(
            `/api/blocks/${block.id}`,
            { title: 'x' },
            { token: alice.accessToken },
          )
        ).status,
      ).toBe(404);
      expect(
        (await t.http.delete(`/api/blocks/${block.id}`, { token: alice.accessToken })).status,
      ).toBe(404);
      expect(
        (await t.http.get(`/api/blocks/${block.id}/versions`, { token: alice.accessToken })).status,
      ).toBe(404);

      const staleRestore = await t.http.post(`/api/blocks/${block.id}/restore`, undefined, {
        token: alice.accessToken,
        headers: { 'if-match': '"v1"' },
      });
      expect(staleRestore.status).toBe(412);

      const restored = await t.http.post(`/api/blocks/${block.id}/restore`, undefined, {
        token: alice.accessToken,
      });
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ id: block.id, title: 'Ephemeral', version: 3 });
      expect(restored.headers.get('etag')).toBe('"v3"');
      expect(
        (await t.http.get(`/api/blocks/${block.id}`, { token: alice.accessToken })).status,
      ).toBe(200);
    });
  });

  describe('versions', () => {
    let block: any;

    beforeAll(async () => {
      block = await createBlock(t.http, alice.accessToken, {
        title: 'Versioned',
        content: 'line one\nline two\nline three\n',
        tags: ['draft', 'home'],
        metadata: { locale: 'en' },
      });
      await t.http.patch(
        `/api/blocks/${block.id}`,
        { title: 'Versioned v2', content: 'line one\nline 2\nline three\n' },
        { token: alice.accessToken },
      );
      await t.http.patch(
        `/api/blocks/${block.id}`,
        { tags: ['home', 'news'], metadata: { locale: 'de' } },
        { token: alice.accessToken },
      );
    });

    it('lists every version newest first, the current one included, with cursor pages', async () => {
      const all = await t.http.get(`/api/blocks/${block.id}/versions`, {
        token: alice.accessToken,
      });
      expect(all.status).toBe(200);
      expect(all.body.items.map((v: any) => [v.version, v.current])).toEqual([
        [3, true],
        [2, false],
        [1, false],
      ]);
      expect(all.body.items[2]).toMatchObject({
        title: 'Versioned',
        tags: ['draft', 'home'],
        contentLength: 29,
      });
      expect(all.body.items[0]).not.toHaveProperty('content');
      expect(all.body.nextCursor).toBeNull();

      const first = await t.http.get(`/api/blocks/${block.id}/versions?limit=2`, {
        token: alice.accessToken,
      });
      expect(first.body.items.map((v: any) => v.version)).toEqual([3, 2]);
      const second = await t.http.get(
        `/api/blocks/${block.id}/versions?limit=2&cursor=${first.body.nextCursor}`,
        { token: alice.accessToken },
      );
      expect(second.body.items.map((v: any) => v.version)).toEqual([1]);
      expect(second.body.nextCursor).toBeNull();

      for (const query of [
        'limit=0',
        'limit=101',
        'limit=x',
        'cursor=!!!',
        'cursor=eyJ2IjoieCJ9',
        'foo=1',
      ]) {
        const bad = await t.http.get(`/api/blocks/${block.id}/versions?${query}`, {
          token: alice.accessToken,
        });
        expect(bad.status).toBe(400);
      }
    });

    it('gets one version with its content; unknown or malformed numbers are 404 and 400', async () => {
      const v1 = await t.http.get(`/api/blocks/${block.id}/versions/1`, {
        token: alice.accessToken,
      });
      expect(v1.status).toBe(200);
      expect(v1.body).toMatchObject({
        blockId: block.id,
        version: 1,
        title: 'Versioned',
        content: 'line one\nline two\nline three\n',
        current: false,
        deleted: false,
      });
      const v3 = await t.http.get(`/api/blocks/${block.id}/versions/3`, {
        token: alice.accessToken,
      });
      expect(v3.body).toMatchObject({ version: 3, current: true, title: 'Versioned v2' });
      expect(
        (await t.http.get(`/api/blocks/${block.id}/versions/4`, { token: alice.accessToken }))
          .status,
      ).toBe(404);
      for (const n of ['0', '-1', 'x', '1.5', '99999999999']) {
        expect(
          (await t.http.get(`/api/blocks/${block.id}/versions/${n}`, { token: alice.accessToken }))
            .status,
        ).toBe(400);
      }
    });

    it('compares two versions: title, tags, metadata and a unified diff of the content', async () => {
      const res = await t.http.get(`/api/blocks/${block.id}/versions/compare?from=1&to=3`, {
        token: alice.accessToken,
      });
      expect(res.status).toBe(200);
      expect(res.body.from).toBe(1);
      expect(res.body.to).toBe(3);
      expect(res.body.changes.title).toEqual({ from: 'Versioned', to: 'Versioned v2' });
      expect(res.body.changes.tags).toEqual({ added: ['news'], removed: ['draft'] });
      expect(res.body.changes.metadata).toEqual({ from: { locale: 'en' }, to: { locale: 'de' } });
      expect(res.body.changes.content).toContain('--- v1');
      expect(res.body.changes.content).toContain('+++ v3');
      expect(res.body.changes.content).toContain('-line two');
      expect(res.body.changes.content).toContain('+line 2');

      const same = await t.http.get(`/api/blocks/${block.id}/versions/compare?from=2&to=2`, {
        token: alice.accessToken,
      });
      expect(same.body.changes).toEqual({ content: '' });

      expect(
        (
          await t.http.get(`/api/blocks/${block.id}/versions/compare?from=1&to=9`, {
            token: alice.accessToken,
          })
        ).status,
      ).toBe(404);
      for (const q of ['from=1', 'from=x&to=2', 'from=0&to=1', 'to=1']) {
        expect(
          (
            await t.http.get(`/api/blocks/${block.id}/versions/compare?${q}`, {
              token: alice.accessToken,
            })
          ).status,
        ).toBe(400);
      }
    });

    it('restores a version as a new version; a stale If-Match is a 412', async () => {
      const stale = await t.http.post(`/api/blocks/${block.id}/versions/1/restore`, undefined, {
        token: alice.accessToken,
        headers: { 'if-match': '"v1"' },
      });
      expect(stale.status).toBe(412);
      const res = await t.http.post(`/api/blocks/${block.id}/versions/1/restore`, undefined, {
        token: alice.accessToken,
        headers: { 'if-match': '"v3"' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        version: 4,
        title: 'Versioned',
        content: 'line one\nline two\nline three\n',
        tags: ['draft', 'home'],
        metadata: { locale: 'en' },
      });
      expect(res.headers.get('etag')).toBe('"v4"');
      expect(
        (
          await t.http.post(`/api/blocks/${block.id}/versions/42/restore`, undefined, {
            token: alice.accessToken,
          })
        ).status,
      ).toBe(404);
    });
  });

  describe('authorization', () => {
    it('refuses every route without credentials', async () => {
      const id = randomUUID();
      const calls = [
        t.http.get('/api/blocks'),
        t.http.post('/api/blocks', { title: 'x' }),
        t.http.get(`/api/blocks/${id}`),
        t.http.patch(`/api/blocks/${id}`, { title: 'x' }),
        t.http.delete(`/api/blocks/${id}`),
        t.http.get('/api/blocks/search?q=x'),
        t.http.get('/api/blocks/suggest?prefix=x'),
        t.http.get('/api/blocks/export'),
        t.http.post('/api/blocks/bulk', { operations: [] }),
        t.http.post('/api/blocks/import', undefined, {
          rawBody: '{}',
          headers: { 'content-type': 'application/x-ndjson' },
        }),
      ];
      for (const res of await Promise.all(calls)) expect(res.status).toBe(401);
    });

    it('lets a guest read but not write', async () => {
      const guest = await createUserInTenant(t.http, alice.accessToken, 'guest');
      const block = await createBlock(t.http, alice.accessToken, { title: 'For guests' });
      expect(
        (await t.http.get(`/api/blocks/${block.id}`, { token: guest.accessToken })).status,
      ).toBe(200);
      expect((await t.http.get('/api/blocks', { token: guest.accessToken })).status).toBe(200);
      expect(
        (await t.http.post('/api/blocks', { title: 'x' }, { token: guest.accessToken })).status,
      ).toBe(403);
      expect(
        (
          await t.http.patch(
            `/api/blocks/${block.id}`,
            { title: 'x' },
            { token: guest.accessToken },
          )
        ).status,
      ).toBe(403);
      expect(
        (await t.http.delete(`/api/blocks/${block.id}`, { token: guest.accessToken })).status,
      ).toBe(403);
      expect(
        (
          await t.http.post(
            '/api/blocks/bulk',
            { operations: [{ op: 'delete', id: block.id }] },
            { token: guest.accessToken },
          )
        ).status,
      ).toBe(403);
    });

    it('lets a user write', async () => {
      const user = await createUserInTenant(t.http, alice.accessToken, 'user');
      const block = await createBlock(t.http, user.accessToken, { title: 'By a user' });
      expect(block.createdBy).toBe(user.user.id);
    });

    it('limits API keys to their scopes', async () => {
      const readKey = await createApiKey(t.http, alice.accessToken, { scopes: ['read'] });
      const writeKey = await createApiKey(t.http, alice.accessToken, { scopes: ['read', 'write'] });
      const block = await createBlock(t.http, alice.accessToken, { title: 'Keyed' });
      expect((await t.http.get(`/api/blocks/${block.id}`, { apiKey: readKey.key })).status).toBe(
        200,
      );
      expect(
        (await t.http.post('/api/blocks', { title: 'x' }, { apiKey: readKey.key })).status,
      ).toBe(403);
      expect(
        (await t.http.patch(`/api/blocks/${block.id}`, { title: 'y' }, { apiKey: readKey.key }))
          .status,
      ).toBe(403);
      const created = await t.http.post(
        '/api/blocks',
        { title: 'via key' },
        { apiKey: writeKey.key },
      );
      expect(created.status).toBe(201);
      expect(created.body.createdBy).toBe(alice.user.id);
    });
  });

  describe('tenant isolation', () => {
    it("answers 404 for another tenant's block on every route and changes nothing", async () => {
      const block = await createBlock(t.http, alice.accessToken, {
        title: 'Alice secret',
        content: 'zebra',
      });
      const own = await createBlock(t.http, bob.accessToken, { title: 'Bob own' });
      const token = bob.accessToken;
      const id = block.id;
      const calls: Array<[string, Promise<any>]> = [
        ['get', t.http.get(`/api/blocks/${id}`, { token })],
        [
          'get with If-None-Match',
          t.http.get(`/api/blocks/${id}`, { token, headers: { 'if-none-match': '*' } }),
        ],
        ['patch', t.http.patch(`/api/blocks/${id}`, { title: 'pwned' }, { token })],
        [
          'patch with If-Match *',
          t.http.patch(
            `/api/blocks/${id}`,
            { title: 'pwned' },
            { token, headers: { 'if-match': '*' } },
          ),
        ],
        ['delete', t.http.delete(`/api/blocks/${id}`, { token })],
        ['restore', t.http.post(`/api/blocks/${id}/restore`, undefined, { token })],
        ['versions', t.http.get(`/api/blocks/${id}/versions`, { token })],
        ['version', t.http.get(`/api/blocks/${id}/versions/1`, { token })],
        ['compare', t.http.get(`/api/blocks/${id}/versions/compare?from=1&to=1`, { token })],
        [
          'restore version',
          t.http.post(`/api/blocks/${id}/versions/1/restore`, undefined, { token }),
        ],
        [
          'relate from',
          t.http.post(
            `/api/blocks/${id}/relations`,
            { targetId: own.id, type: 'references' },
            { token },
          ),
        ],
        [
          'relate to',
          t.http.post(
            `/api/blocks/${own.id}/relations`,
            { targetId: id, type: 'references' },
            { token },
          ),
        ],
        ['related', t.http.get(`/api/blocks/${id}/related`, { token })],
        [
          'bulk update',
          t.http.post(
            '/api/blocks/bulk',
            { operations: [{ op: 'update', id, data: { title: 'pwned' } }] },
            { token },
          ),
        ],
        [
          'bulk delete',
          t.http.post('/api/blocks/bulk', { operations: [{ op: 'delete', id }] }, { token }),
        ],
      ];
      for (const [name, call] of calls) {
        const res = await call;
        expect([name, res.status]).toEqual([name, 404]);
      }
      const after = await t.http.get(`/api/blocks/${id}`, { token: alice.accessToken });
      expect(after.body).toMatchObject({ title: 'Alice secret', version: 1 });
      const relations = await t.db.query(
        'SELECT count(*) FROM block_relations WHERE source_id = $1 OR target_id = $1',
        [id],
      );
      expect(relations.rows[0].count).toBe('0');
    });

    it("never shows another tenant's block in lists, search, suggest or export", async () => {
      const marker = `quokka${Date.now()}`;
      const block = await createBlock(t.http, alice.accessToken, {
        title: `${marker} title`,
        content: marker,
        tags: [marker],
      });
      const token = bob.accessToken;
      const list = await t.http.get(`/api/blocks?limit=100&tag=${marker}`, { token });
      expect(list.body.items).toEqual([]);
      const q = await t.http.get(`/api/blocks?q=${marker}`, { token });
      expect(q.body.items).toEqual([]);
      const search = await t.http.get(`/api/blocks/search?q=${marker}`, { token });
      expect(search.body.items).toEqual([]);
      const suggest = await t.http.get(`/api/blocks/suggest?prefix=${marker}`, { token });
      expect(suggest.body.items).toEqual([]);
      const exported = await t.http.get('/api/blocks/export', { token });
      expect(exported.text).not.toContain(block.id);
      // ...while the owner sees it everywhere.
      const mine = await t.http.get(`/api/blocks/search?q=${marker}`, { token: alice.accessToken });
      expect(mine.body.items.map((b: any) => b.id)).toEqual([block.id]);
    });

    it("refuses an import line carrying another tenant's id and leaves that block alone", async () => {
      const block = await createBlock(t.http, alice.accessToken, { title: 'Not yours' });
      const res = await t.http.post('/api/blocks/import', undefined, {
        token: bob.accessToken,
        rawBody: `${JSON.stringify({ id: block.id, title: 'Taken over' })}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ created: 0, updated: 0, failed: [{ line: 1 }] });
      const after = await t.http.get(`/api/blocks/${block.id}`, { token: alice.accessToken });
      expect(after.body.title).toBe('Not yours');
    });
  });

  describe('configuration and documentation', () => {
    it('applies configured limits', async () => {
      const small = await startTestApp({
        env: {
          ...BLOCKS_TEST_ENV,
          BLOCKS_MAX_TITLE_LENGTH: '10',
          BLOCKS_MAX_TAGS: '2',
          BLOCKS_MAX_CONTENT_BYTES: '16',
        },
      });
      try {
        const u = await registerUser(small.http);
        const post = (body: object) =>
          small.http.post('/api/blocks', body, { token: u.accessToken });
        expect((await post({ title: '0123456789' })).status).toBe(201);
        expect((await post({ title: '01234567890' })).status).toBe(400);
        expect((await post({ title: 'x', tags: ['a', 'b', 'c'] })).status).toBe(400);
        expect((await post({ title: 'x', content: 'é'.repeat(9) })).status).toBe(400);
      } finally {
        await small.close();
      }
    });

    it('documents every blocks route with an operationId, security, DTOs, headers and errors', async () => {
      const doc = (await t.http.get('/docs-json')).body;
      const operations = Object.entries(doc.paths as Record<string, any>)
        .filter(([path]) => path.startsWith('/api/blocks'))
        .flatMap(([path, item]) =>
          Object.entries(item).map(([method, op]: [string, any]) => ({ path, method, op })),
        );
      expect(operations.map((o) => o.op.operationId).sort()).toEqual(
        [
          'bulkBlocks',
          'compareBlockVersions',
          'createBlock',
          'createBlockRelation',
          'deleteBlock',
          'deleteBlockRelation',
          'exportBlocks',
          'getBlock',
          // Where-used lives in libs/documents (it owns references), under the same path.
          'getBlockUsages',
          'getBlockVersion',
          'getRelatedBlocks',
          'importBlocks',
          'listBlockVersions',
          'listBlocks',
          'restoreBlock',
          'restoreBlockVersion',
          'searchBlocks',
          'suggestBlockTitles',
          'updateBlock',
        ].sort(),
      );
      for (const { op } of operations) {
        expect(op.tags).toEqual(['blocks']);
        expect(op.security).toEqual(expect.arrayContaining([{ bearer: [] }, { apiKey: [] }]));
        expect(op.responses['401']).toBeDefined();
      }
      const patch = doc.paths['/api/blocks/{id}'].patch;
      expect(patch.parameters.map((p: any) => p.name)).toEqual(
        expect.arrayContaining(['id', 'If-Match']),
      );
      expect(patch.responses['412']).toBeDefined();
      expect(patch.responses['200'].headers.ETag).toBeDefined();
      const get = doc.paths['/api/blocks/{id}'].get;
      expect(get.parameters.map((p: any) => p.name)).toContain('If-None-Match');
      expect(get.responses['304']).toBeDefined();
      expect(doc.paths['/api/blocks'].post.responses['201'].headers.Location).toBeDefined();
      const create = doc.components.schemas.CreateBlockDto;
      expect(create.properties.title).toMatchObject({ maxLength: 200 });
      expect(create.properties.content.description).toContain('BLOCKS_MAX_CONTENT_BYTES');
      expect(create.properties.tags.description).toContain('BLOCKS_MAX_TAGS');
      expect(create.properties.metadata.description).toContain('BLOCKS_MAX_METADATA_BYTES');
      expect(create.properties.title.example).toBeDefined();
      expect(doc.components.schemas.BlockPage).toBeDefined();
      expect(doc.components.schemas.BlockType).toBeDefined();
      expect(
        doc.paths['/api/blocks/import'].post.requestBody.content['application/x-ndjson'],
      ).toBeDefined();
      expect(
        doc.paths['/api/blocks/export'].get.responses['200'].content['application/x-ndjson'],
      ).toBeDefined();
    });
  });
});
