import { randomUUID } from 'node:crypto';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** One tenant’s block through its whole life over HTTP. */
describe('blocks: create, read, update, delete, restore, ETags', () => {
  let t: TestApp;
  let alice: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    alice = await registerUser(t.http);
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
});
