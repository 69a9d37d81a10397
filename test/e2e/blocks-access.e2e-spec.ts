import { randomUUID } from 'node:crypto';
import {
  createApiKey,
  createUserInTenant,
  registerUser,
  type RegisteredUser,
} from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** Who may read and write blocks, and that tenants never see each other’s. */
describe('blocks: authorization and tenant isolation', () => {
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

    it("treats an import line carrying another tenant's id as a new block and leaves that block alone", async () => {
      const block = await createBlock(t.http, alice.accessToken, { title: 'Not yours' });
      const res = await t.http.post('/api/blocks/import', undefined, {
        token: bob.accessToken,
        rawBody: `${JSON.stringify({ id: block.id, title: 'Taken over' })}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(res.status).toBe(200);
      // the same answer as for a free id: a new block of bob's, with a server-made id
      expect(res.body).toMatchObject({ created: 1, updated: 0, failed: [] });
      const after = await t.http.get(`/api/blocks/${block.id}`, { token: alice.accessToken });
      expect(after.body.title).toBe('Not yours');
      expect((await t.http.get(`/api/blocks/${block.id}`, { token: bob.accessToken })).status).toBe(
        404,
      );
    });
  });
});
