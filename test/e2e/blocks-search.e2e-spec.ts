import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('blocks: search modes, exact ranking and similar blocks (no embedding provider)', () => {
  let t: TestApp;
  let a: RegisteredUser;
  let b: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (path: string, token = a.accessToken) => t.http.get(path, { token });

  it('ranks every match, so an old best match of a broad query comes first', async () => {
    // 2 500 recent blocks with the word once in their content, one old block with it in its title.
    await t.db.query(
      `INSERT INTO blocks (id, tenant_id, title, content)
       SELECT gen_random_uuid(), $1, 'Note ' || g, 'A quokka was seen. ' || repeat('Filler. ', g % 5)
         FROM generate_series(1, 2500) g`,
      [a.tenantId],
    );
    const {
      rows: [old],
    } = await t.db.query<{ id: string }>(
      `INSERT INTO blocks (id, tenant_id, title, content, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, 'Quokka care guide', 'Everything about the quokka.',
               now() - interval '2 years', now() - interval '2 years') RETURNING id`,
      [a.tenantId],
    );
    const res = await get('/api/blocks/search?q=quokka&limit=5');
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('fulltext');
    expect(res.body.items[0].id).toBe(old.id);
    expect(res.body.items[0].highlight).toContain('<mark>Quokka</mark>');
    const { rows: expected } = await t.db.query<{ id: string }>(
      `SELECT id FROM blocks WHERE tenant_id = $1 AND search_vector @@ websearch_to_tsquery('english', 'quokka')
        ORDER BY ts_rank_cd(search_vector, websearch_to_tsquery('english', 'quokka')) DESC, id LIMIT 5`,
      [a.tenantId],
    );
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual(expected.map((r) => r.id));
    expect((await get('/api/blocks/search?q=quokka', b.accessToken)).body.items).toEqual([]);
  });

  it('highlights from a bounded excerpt, HTML-escaped, even for a very long block', async () => {
    await createBlock(t.http, a.accessToken, {
      title: 'Long <b>platypus</b> page',
      content: `${'word '.repeat(20_000)} platypus at the end`,
    });
    const res = await get('/api/blocks/search?q=platypus');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    // ts_headline drops markup-like tokens; whatever is left is escaped text and <mark> only.
    expect(res.body.items[0].highlight).toContain('<mark>platypus</mark>');
    expect(res.body.items[0].highlight.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
    expect(res.body.items[0].highlight.length).toBeLessThan(1000);
  });

  it('answers hybrid with full-text results and method "fulltext" without a provider', async () => {
    const full = await get('/api/blocks/search?q=quokka&limit=3');
    const hybrid = await get('/api/blocks/search?q=quokka&limit=3&mode=hybrid');
    expect(hybrid.status).toBe(200);
    expect(hybrid.body.method).toBe('fulltext');
    expect(hybrid.body.items).toEqual(full.body.items);
  });

  it('refuses semantic search with a 503 problem EMBEDDINGS_NOT_CONFIGURED', async () => {
    const res = await get('/api/blocks/search?q=quokka&mode=semantic');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.reason).toBe('EMBEDDINGS_NOT_CONFIGURED');
  });

  it('refuses an unknown mode with a 400', async () => {
    const res = await get('/api/blocks/search?q=quokka&mode=vibes');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  describe('similar', () => {
    let pump: string;
    let pumpTwin: string;
    let other: string;

    beforeAll(async () => {
      pump = (
        await createBlock(t.http, a.accessToken, {
          title: 'Centrifugal pump impeller',
          content: 'The impeller of a centrifugal pump spins the coolant through the volute.',
        })
      ).id;
      pumpTwin = (
        await createBlock(t.http, a.accessToken, {
          title: 'Replacing a pump impeller',
          content: 'Drain the volute, then pull the impeller off the centrifugal pump shaft.',
        })
      ).id;
      other = (
        await createBlock(t.http, a.accessToken, {
          title: 'Sourdough starter',
          content: 'Feed the starter flour and water every day.',
        })
      ).id;
    });

    it('finds blocks sharing rare words first, lexically, without the block itself', async () => {
      const res = await get(`/api/blocks/${pump}/similar?limit=5`);
      expect(res.status).toBe(200);
      expect(res.body.method).toBe('lexical');
      expect(res.body.items[0]).toMatchObject({ id: pumpTwin, title: 'Replacing a pump impeller' });
      expect(res.body.items[0].score).toBeGreaterThan(0);
      const ids = res.body.items.map((i: { id: string }) => i.id);
      expect(ids).not.toContain(pump);
      expect(ids).not.toContain(other);
    });

    it('leaves deleted blocks out', async () => {
      expect(
        (await t.http.delete(`/api/blocks/${pumpTwin}`, { token: a.accessToken })).status,
      ).toBe(204);
      const res = await get(`/api/blocks/${pump}/similar`);
      expect(res.body.items.map((i: { id: string }) => i.id)).not.toContain(pumpTwin);
      await t.http.post(`/api/blocks/${pumpTwin}/restore`, {}, { token: a.accessToken });
    });

    it('is a 404 for a missing block or one of another tenant, a 400 for bad input', async () => {
      expect((await get(`/api/blocks/${pump}/similar`, b.accessToken)).status).toBe(404);
      expect((await get('/api/blocks/01936f0e-0000-7000-8000-000000000000/similar')).status).toBe(
        404,
      );
      expect((await get('/api/blocks/not-a-uuid/similar')).status).toBe(400);
      expect((await get(`/api/blocks/${pump}/similar?limit=0`)).status).toBe(400);
      expect((await get(`/api/blocks/${pump}/similar?limit=51`)).status).toBe(400);
    });

    it('answers a block without searchable words with no items', async () => {
      const empty = await createBlock(t.http, a.accessToken, { title: '+++', content: '' });
      const res = await get(`/api/blocks/${empty.id}/similar`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [], method: 'lexical' });
    });
  });
});
