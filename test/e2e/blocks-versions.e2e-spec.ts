import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** A block’s history over HTTP. */
describe('blocks: versions, compare and restore', () => {
  let t: TestApp;
  let alice: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    alice = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
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
});
