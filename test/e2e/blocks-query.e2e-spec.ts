import { randomUUID } from 'node:crypto';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('blocks: lists, search, suggest, relations', () => {
  let t: TestApp;
  let alice: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    alice = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (path: string, token = alice.accessToken) => t.http.get(path, { token });

  describe('lists', () => {
    let user: RegisteredUser;
    let ids: string[];

    beforeAll(async () => {
      user = await registerUser(t.http);
      ids = [];
      const titles = ['delta', 'Alpha', 'charlie', 'bravo', 'echo', 'alpha', 'foxtrot'];
      for (const [i, title] of titles.entries()) {
        const block = await createBlock(t.http, user.accessToken, {
          title,
          content: i % 2 ? 'the quick brown fox' : 'a lazy dog sleeps',
          type: i % 3 === 0 ? 'markdown' : 'text',
          tags: i % 2 ? ['odd', 'all'] : ['even', 'all'],
        });
        ids.push(block.id);
      }
      // Same updated_at for two rows: the id breaks the tie, so pages never skip or repeat.
      await t.db.query(
        `UPDATE blocks SET updated_at = '2026-01-01T00:00:00.123Z' WHERE id = ANY($1)`,
        [ids.slice(0, 2)],
      );
    });

    async function walk(query: string): Promise<any[]> {
      const items: any[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 20; page++) {
        const res = await get(
          `/api/blocks?limit=2&${query}${cursor ? `&cursor=${cursor}` : ''}`,
          user.accessToken,
        );
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
        if (!cursor) break;
      }
      return items;
    }

    it('pages by -updatedAt (default), updatedAt and title without skipping or repeating', async () => {
      const desc = await walk('');
      expect(desc).toHaveLength(7);
      expect(new Set(desc.map((b) => b.id)).size).toBe(7);
      const descKeys = desc.map((b) => `${b.updatedAt}|${b.id}`);
      expect([...descKeys].sort().reverse()).toEqual(descKeys);

      const asc = await walk('sort=updatedAt');
      expect(asc.map((b) => b.id)).toEqual(desc.map((b) => b.id).reverse());

      const byTitle = await walk('sort=title');
      expect(byTitle).toHaveLength(7);
      const titles = byTitle.map((b) => b.title);
      const res = await t.db.query(
        `SELECT title FROM blocks WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY title, id`,
        [user.tenantId],
      );
      expect(titles).toEqual(res.rows.map((r) => r.title));
    });

    it('filters by type, by every tag given, by full text and by updatedSince', async () => {
      const markdown = await get('/api/blocks?type=markdown&limit=100', user.accessToken);
      expect(markdown.body.items.map((b: any) => b.id).sort()).toEqual(
        [ids[0], ids[3], ids[6]].sort(),
      );

      const odd = await get('/api/blocks?tag=odd&limit=100', user.accessToken);
      expect(odd.body.items).toHaveLength(3);
      const both = await get('/api/blocks?tag=odd&tag=all&limit=100', user.accessToken);
      expect(both.body.items).toHaveLength(3);
      const none = await get('/api/blocks?tag=odd&tag=even', user.accessToken);
      expect(none.body.items).toHaveLength(0);

      const fox = await get('/api/blocks?q=fox&limit=100', user.accessToken);
      expect(fox.body.items).toHaveLength(3);
      const notFox = await get(
        `/api/blocks?q=${encodeURIComponent('dog -fox')}&limit=100`,
        user.accessToken,
      );
      expect(notFox.body.items).toHaveLength(4);

      const since = await get(
        '/api/blocks?updatedSince=2026-01-01T00:00:00.124Z&limit=100',
        user.accessToken,
      );
      expect(since.body.items).toHaveLength(5);
      const combined = await get(
        '/api/blocks?type=text&tag=odd&q=quick&updatedSince=2000-01-01T00:00:00Z',
        user.accessToken,
      );
      expect(combined.body.items.map((b: any) => b.id).sort()).toEqual([ids[1], ids[5]].sort());
    });

    it('refuses bad list parameters and malformed or foreign cursors with a 400', async () => {
      const titlePage = await get('/api/blocks?sort=title&limit=1', user.accessToken);
      const cases = [
        'limit=0',
        'limit=101',
        'limit=abc',
        'sort=owner',
        'type=pdf',
        'updatedSince=yesterday',
        'updatedSince=2026-13-45T00:00:00Z',
        'cursor=%%%',
        'cursor=bm90IGpzb24',
        `cursor=${Buffer.from(JSON.stringify({ s: '-updatedAt', u: 'nope', id: randomUUID() })).toString('base64url')}`,
        `cursor=${Buffer.from(JSON.stringify({ s: '-updatedAt', u: new Date().toISOString(), id: "x' OR 1=1" })).toString('base64url')}`,
        `cursor=${titlePage.body.nextCursor}`,
        'q=',
        `q=${'a'.repeat(501)}`,
        'tenantId=someone',
      ];
      for (const query of cases) {
        const res = await get(`/api/blocks?${query}`, user.accessToken);
        expect([query, res.status]).toEqual([query, 400]);
        expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      }
    });

    it('leaves deleted blocks out of lists', async () => {
      const block = await createBlock(t.http, user.accessToken, {
        title: 'gone soon',
        tags: ['ghost'],
      });
      await t.http.delete(`/api/blocks/${block.id}`, { token: user.accessToken });
      const res = await get('/api/blocks?tag=ghost', user.accessToken);
      expect(res.body.items).toEqual([]);
    });
  });

  describe('search', () => {
    let user: RegisteredUser;
    let inTitle: any;
    let inContent: any;
    let inTags: any;

    beforeAll(async () => {
      user = await registerUser(t.http);
      inContent = await createBlock(t.http, user.accessToken, {
        title: 'Release notes',
        content: 'This release brings a faster pangolin engine and many fixes.',
      });
      inTitle = await createBlock(t.http, user.accessToken, {
        title: 'Pangolin overview',
        content: 'An introduction to the product.',
      });
      inTags = await createBlock(t.http, user.accessToken, {
        title: 'Misc',
        content: 'Nothing to see.',
        tags: ['pangolin'],
      });
      const deleted = await createBlock(t.http, user.accessToken, { title: 'Pangolin draft' });
      await t.http.delete(`/api/blocks/${deleted.id}`, { token: user.accessToken });
    });

    it('ranks title matches above tag matches above content matches, with highlights', async () => {
      const res = await get('/api/blocks/search?q=pangolin', user.accessToken);
      expect(res.status).toBe(200);
      expect(res.body.items.map((b: any) => b.id)).toEqual([inTitle.id, inTags.id, inContent.id]);
      const scores = res.body.items.map((b: any) => b.score);
      expect(scores[0]).toBeGreaterThan(scores[1]);
      expect(scores[1]).toBeGreaterThan(scores[2]);
      expect(res.body.items[0].highlight).toContain('<mark>Pangolin</mark>');
      expect(res.body.items[2].highlight).toContain('<mark>pangolin</mark>');
      expect(res.body.items[0]).toMatchObject({ title: 'Pangolin overview', version: 1, tags: [] });
      expect(res.body.nextCursor).toBeNull();
    });

    it('takes web-search syntax: phrases, exclusions, or', async () => {
      const phrase = await get(
        `/api/blocks/search?q=${encodeURIComponent('"pangolin engine"')}`,
        user.accessToken,
      );
      expect(phrase.body.items.map((b: any) => b.id)).toEqual([inContent.id]);
      const excluded = await get(
        `/api/blocks/search?q=${encodeURIComponent('pangolin -release')}`,
        user.accessToken,
      );
      expect(excluded.body.items.map((b: any) => b.id).sort()).toEqual(
        [inTitle.id, inTags.id].sort(),
      );
      const either = await get(
        `/api/blocks/search?q=${encodeURIComponent('introduction or fixes')}`,
        user.accessToken,
      );
      expect(either.body.items.map((b: any) => b.id).sort()).toEqual(
        [inTitle.id, inContent.id].sort(),
      );
    });

    it('pages ranked results with a cursor', async () => {
      const first = await get('/api/blocks/search?q=pangolin&limit=2', user.accessToken);
      expect(first.body.items).toHaveLength(2);
      const second = await get(
        `/api/blocks/search?q=pangolin&limit=2&cursor=${first.body.nextCursor}`,
        user.accessToken,
      );
      expect(second.body.items.map((b: any) => b.id)).toEqual([inContent.id]);
      expect(second.body.nextCursor).toBeNull();
    });

    it('never answers hostile query text with a 500', async () => {
      const hostile = [
        "'; DROP TABLE blocks; --",
        '!!!',
        '(((',
        'a & | b',
        ':*',
        'foo:*A',
        '"unterminated',
        '\\',
        '<script>alert(1)</script>',
        '-',
        'or or or',
        '💥🔥',
        '%00',
        'a'.repeat(500),
        '\u0001\u0002',
        "' OR 1=1 --",
      ];
      for (const q of hostile) {
        const res = await get(`/api/blocks/search?q=${encodeURIComponent(q)}`, user.accessToken);
        expect([q, res.status]).toEqual([q, 200]);
        const list = await get(`/api/blocks?q=${encodeURIComponent(q)}`, user.accessToken);
        expect([q, list.status]).toEqual([q, 200]);
      }
      for (const q of ['a\u0000b', '']) {
        const res = await get(`/api/blocks/search?q=${encodeURIComponent(q)}`, user.accessToken);
        expect(res.status).toBe(400);
      }
      expect((await get('/api/blocks/search', user.accessToken)).status).toBe(400);
      expect((await get(`/api/blocks/search?q=${'a'.repeat(501)}`, user.accessToken)).status).toBe(
        400,
      );
      expect((await get('/api/blocks/search?q=x&cursor=abc', user.accessToken)).status).toBe(400);
    });
  });

  describe('suggest', () => {
    let user: RegisteredUser;

    beforeAll(async () => {
      user = await registerUser(t.http);
      for (let i = 0; i < 12; i++) {
        await createBlock(t.http, user.accessToken, {
          title: `Welcome page ${String(i).padStart(2, '0')}`,
        });
      }
      await createBlock(t.http, user.accessToken, { title: 'Onboarding welcome mail' });
      await createBlock(t.http, user.accessToken, { title: 'wellness' });
      const gone = await createBlock(t.http, user.accessToken, { title: 'Well hidden' });
      await t.http.delete(`/api/blocks/${gone.id}`, { token: user.accessToken });
    });

    it('completes title prefixes case-insensitively, in title order, at most 10', async () => {
      const res = await get('/api/blocks/suggest?prefix=WELCOME%20P', user.accessToken);
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(10);
      expect(res.body.items[0]).toEqual({ id: expect.any(String), title: 'Welcome page 00' });
      expect(res.body.items.map((i: any) => i.title)).toEqual(
        Array.from({ length: 10 }, (_, i) => `Welcome page ${String(i).padStart(2, '0')}`),
      );
    });

    it('works for one character and leaves deleted blocks out', async () => {
      const res = await get('/api/blocks/suggest?prefix=w', user.accessToken);
      expect(res.body.items).toHaveLength(10);
      const well = await get('/api/blocks/suggest?prefix=well', user.accessToken);
      const titles = well.body.items.map((i: any) => i.title);
      // Prefix matches first; fuzzy matches ("Welcome ...") fill up; the deleted "Well hidden" never.
      expect(titles[0]).toBe('wellness');
      expect(titles).not.toContain('Well hidden');
    });

    it('fills up with fuzzy word matches when few titles start with the prefix', async () => {
      const res = await get('/api/blocks/suggest?prefix=onboarding%20welcom', user.accessToken);
      expect(res.body.items[0].title).toBe('Onboarding welcome mail');
      const fuzzy = await get('/api/blocks/suggest?prefix=mail', user.accessToken);
      expect(fuzzy.body.items.map((i: any) => i.title)).toEqual(['Onboarding welcome mail']);
      const typo = await get('/api/blocks/suggest?prefix=onbording', user.accessToken);
      expect(typo.body.items.map((i: any) => i.title)).toEqual(['Onboarding welcome mail']);
    });

    it('refuses a missing, empty or oversized prefix and survives hostile text', async () => {
      for (const query of ['', 'prefix=', `prefix=${'a'.repeat(201)}`, 'prefix=a&x=1']) {
        expect((await get(`/api/blocks/suggest?${query}`, user.accessToken)).status).toBe(400);
      }
      for (const prefix of ['%', '_', '\\', "'", '[a-z]', '💥']) {
        const res = await get(
          `/api/blocks/suggest?prefix=${encodeURIComponent(prefix)}`,
          user.accessToken,
        );
        expect([prefix, res.status]).toEqual([prefix, 200]);
        expect(res.body.items).toEqual([]);
      }
    });
  });

  describe('relations', () => {
    let user: RegisteredUser;
    let a: any;
    let b: any;
    let c: any;
    let d: any;

    beforeAll(async () => {
      user = await registerUser(t.http);
      [a, b, c, d] = await Promise.all(
        ['A', 'B', 'C', 'D'].map((title) => createBlock(t.http, user.accessToken, { title })),
      );
    });

    const relate = (from: string, to: string, type = 'references') =>
      t.http.post(
        `/api/blocks/${from}/relations`,
        { targetId: to, type },
        { token: user.accessToken },
      );

    it('creates typed edges; a duplicate is a 409, a self-relation a 400, a missing target a 404', async () => {
      const res = await relate(a.id, b.id);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ sourceId: a.id, targetId: b.id, type: 'references' });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await relate(a.id, b.id)).status).toBe(409);
      expect((await relate(a.id, b.id, 'contains')).status).toBe(201);
      expect((await relate(a.id, a.id)).status).toBe(400);
      const missing = await relate(a.id, randomUUID());
      expect(missing.status).toBe(404);
      expect(missing.body.reason).toBe('TARGET_NOT_FOUND');
      expect((await relate(randomUUID(), a.id)).status).toBe(404);
      for (const body of [
        { targetId: 'nope', type: 'references' },
        { targetId: b.id, type: 'likes' },
        { targetId: b.id },
        { targetId: b.id, type: 'references', extra: 1 },
      ]) {
        const bad = await t.http.post(`/api/blocks/${a.id}/relations`, body, {
          token: user.accessToken,
        });
        expect(bad.status).toBe(400);
      }
    });

    it('traverses both directions to the given depth without looping on cycles', async () => {
      await relate(b.id, c.id, 'derived-from');
      await relate(c.id, a.id, 'references'); // a -> b -> c -> a: a cycle
      await relate(d.id, c.id, 'contains');
      const one = await get(`/api/blocks/${a.id}/related?depth=1`, user.accessToken);
      expect(one.status).toBe(200);
      const depthOf = (res: any) =>
        Object.fromEntries(res.body.nodes.map((n: any) => [n.title, n.depth]));
      expect(depthOf(one)).toEqual({ A: 0, B: 1, C: 1 });
      const two = await get(`/api/blocks/${a.id}/related?depth=2`, user.accessToken);
      expect(depthOf(two)).toEqual({ A: 0, B: 1, C: 1, D: 2 });
      const five = await get(`/api/blocks/${a.id}/related?depth=5`, user.accessToken);
      expect(depthOf(five)).toEqual({ A: 0, B: 1, C: 1, D: 2 });
      expect(five.body.edges).toHaveLength(5);
      for (const edge of five.body.edges) {
        expect(edge).toEqual({
          id: expect.any(String),
          sourceId: expect.any(String),
          targetId: expect.any(String),
          type: expect.stringMatching(/^(references|contains|derived-from)$/),
          createdAt: expect.any(String),
        });
      }
      const onlyContains = await get(
        `/api/blocks/${a.id}/related?depth=5&type=contains`,
        user.accessToken,
      );
      expect(depthOf(onlyContains)).toEqual({ A: 0, B: 1 });
      const isolated = await createBlock(t.http, user.accessToken, { title: 'Alone' });
      const alone = await get(`/api/blocks/${isolated.id}/related`, user.accessToken);
      expect(alone.body).toEqual({
        nodes: [{ id: isolated.id, title: 'Alone', type: 'text', depth: 0 }],
        edges: [],
      });
    });

    it('refuses a depth out of range or an unknown type', async () => {
      for (const query of ['depth=0', 'depth=6', 'depth=x', 'type=likes', 'depth=1.5']) {
        expect((await get(`/api/blocks/${a.id}/related?${query}`, user.accessToken)).status).toBe(
          400,
        );
      }
      expect((await get(`/api/blocks/${randomUUID()}/related`, user.accessToken)).status).toBe(404);
    });

    it('hides deleted blocks and their edges, and shows them again after restore', async () => {
      await t.http.delete(`/api/blocks/${c.id}`, { token: user.accessToken });
      const res = await get(`/api/blocks/${a.id}/related?depth=5`, user.accessToken);
      const titles = res.body.nodes.map((n: any) => n.title).sort();
      expect(titles).toEqual(['A', 'B']);
      expect(res.body.edges.every((e: any) => e.sourceId !== c.id && e.targetId !== c.id)).toBe(
        true,
      );
      expect((await relate(a.id, c.id, 'derived-from')).status).toBe(404);
      expect((await get(`/api/blocks/${c.id}/related`, user.accessToken)).status).toBe(404);
      await t.http.post(`/api/blocks/${c.id}/restore`, undefined, { token: user.accessToken });
      const back = await get(`/api/blocks/${a.id}/related?depth=5`, user.accessToken);
      expect(back.body.nodes.map((n: any) => n.title).sort()).toEqual(['A', 'B', 'C', 'D']);
    });

    it('deletes an edge of the block; an edge of another block is a 404', async () => {
      const edge = (await relate(d.id, b.id, 'references')).body;
      expect(
        (
          await t.http.delete(`/api/blocks/${a.id}/relations/${edge.id}`, {
            token: user.accessToken,
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await t.http.delete(`/api/blocks/${b.id}/relations/${edge.id}`, {
            token: user.accessToken,
          })
        ).status,
      ).toBe(204);
      expect(
        (
          await t.http.delete(`/api/blocks/${b.id}/relations/${edge.id}`, {
            token: user.accessToken,
          })
        ).status,
      ).toBe(404);
    });

    it("keeps other tenants' relations out of reach", async () => {
      const edge = (await relate(a.id, d.id, 'derived-from')).body;
      const other = await registerUser(t.http);
      const res = await t.http.delete(`/api/blocks/${a.id}/relations/${edge.id}`, {
        token: other.accessToken,
      });
      expect(res.status).toBe(404);
      const own = await createBlock(t.http, other.accessToken, { title: 'Other' });
      const related = await get(`/api/blocks/${own.id}/related?depth=5`, other.accessToken);
      expect(related.body.nodes).toHaveLength(1);
    });
  });
});
