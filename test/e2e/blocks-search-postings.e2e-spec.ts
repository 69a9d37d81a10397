import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

type Hit = { id: string; score: number };

/**
 * One-lexeme and OR queries rank from pre-scored postings kept by triggers; these tests hold
 * them to the exact reference (ts_rank_cd over every match, then id) through HTTP, across
 * pages, and after every kind of write.
 */
describe('blocks: search ranked from postings', () => {
  let t: TestApp;
  let a: RegisteredUser;
  let b: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    // Varied weights and counts: words in titles (A), tags (B) and content (C), repeated.
    await t.db.query(
      `INSERT INTO blocks (id, tenant_id, title, content, tags)
       SELECT gen_random_uuid(), $1,
              (ARRAY['Pricing plans', 'Support desk', 'Release notes', 'Pricing and support'])[1 + g % 4]
                || ' ' || g,
              repeat('pricing ', g % 3) || repeat('support ', g % 5) || 'filler text ' || g,
              CASE WHEN g % 7 = 0 THEN ARRAY['support'] ELSE ARRAY['misc'] END
         FROM generate_series(1, 300) g`,
      [a.tenantId],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  /** The exact reference order, straight from the blocks table. */
  async function reference(tenantId: string, q: string): Promise<Hit[]> {
    const { rows } = await t.db.query<Hit>(
      `SELECT id, ts_rank_cd(search_vector, websearch_to_tsquery('english', $2)) AS score
         FROM blocks
        WHERE tenant_id = $1 AND deleted_at IS NULL
          AND search_vector @@ websearch_to_tsquery('english', $2)
        ORDER BY score DESC, id`,
      [tenantId, q],
    );
    return rows;
  }

  /** Every hit of `q` through the API, page by page. */
  async function searchAll(q: string, token = a.accessToken, limit = 40): Promise<Hit[]> {
    const hits: Hit[] = [];
    let cursor: string | null = null;
    do {
      const query: URLSearchParams = new URLSearchParams({
        q,
        limit: String(limit),
        ...(cursor ? { cursor } : {}),
      });
      const res: { status: number; body: { items: Hit[]; nextCursor: string | null } } =
        await t.http.get(`/api/blocks/search?${query.toString()}`, { token });
      expect(res.status).toBe(200);
      hits.push(...res.body.items.map((i: Hit) => ({ id: i.id, score: i.score })));
      cursor = res.body.nextCursor;
    } while (cursor);
    return hits;
  }

  /** The postings must equal a recomputation from the live blocks, row for row. */
  async function expectPostingsInStep(): Promise<void> {
    const { rows } = await t.db.query<{ missing: number; extra: number; long: number }>(`
      WITH truth AS (
        SELECT b.tenant_id, s.lexeme, b.id AS block_id, s.score
          FROM blocks b, block_lexeme_scores(b.search_vector) s
         WHERE b.deleted_at IS NULL AND NOT block_vector_saturated(b.search_vector))
      SELECT (SELECT count(*) FROM (SELECT * FROM truth EXCEPT SELECT * FROM block_postings) x)::int AS missing,
             (SELECT count(*) FROM (SELECT * FROM block_postings EXCEPT SELECT * FROM truth) x)::int AS extra,
             (SELECT count(*) FROM (
                SELECT tenant_id, id FROM blocks
                 WHERE deleted_at IS NULL AND block_vector_saturated(search_vector)
                EXCEPT SELECT tenant_id, block_id FROM block_postings_long) x)::int AS long`);
    expect(rows[0]).toEqual({ missing: 0, extra: 0, long: 0 });
  }

  it.each(['pricing or support', 'support', 'pricing or support or release', 'desk or notes'])(
    'gives the exact order and scores of %p across pages',
    async (q) => {
      const expected = await reference(a.tenantId, q);
      expect(expected.length).toBeGreaterThan(40);
      expect(await searchAll(q)).toEqual(expected);
    },
  );

  it('answers an AND query by scanning, in the same exact order', async () => {
    const q = 'pricing support';
    expect(await searchAll(q)).toEqual(await reference(a.tenantId, q));
  });

  it('follows creates, edits, deletes, restores and purges, and stays per tenant', async () => {
    const created = await createBlock(t.http, a.accessToken, {
      title: 'Pricing pricing pricing',
      content: 'support support support support support support',
      tags: ['pricing', 'support'],
    });
    let hits = await searchAll('pricing or support');
    expect(hits[0].id).toBe(created.id);
    expect(hits).toEqual(await reference(a.tenantId, 'pricing or support'));

    const edited = await t.http.patch(
      `/api/blocks/${created.id}`,
      { title: 'Unrelated title', content: 'nothing here', tags: [] },
      { token: a.accessToken, headers: { 'if-match': `"v${created.version}"` } },
    );
    expect(edited.status).toBe(200);
    hits = await searchAll('pricing or support');
    expect(hits.map((h) => h.id)).not.toContain(created.id);
    expect((await searchAll('unrelated')).map((h) => h.id)).toEqual([created.id]);

    const removed = await t.http.delete(`/api/blocks/${created.id}`, {
      token: a.accessToken,
      headers: { 'if-match': `"v${edited.body.version}"` },
    });
    expect(removed.status).toBe(204);
    expect(await searchAll('unrelated')).toEqual([]);
    const restored = await t.http.post(`/api/blocks/${created.id}/restore`, undefined, {
      token: a.accessToken,
    });
    expect(restored.status).toBe(200);
    expect((await searchAll('unrelated')).map((h) => h.id)).toEqual([created.id]);

    // Another tenant's blocks never show, and its own are ranked as exactly.
    await createBlock(t.http, b.accessToken, { title: 'Unrelated pricing', content: 'support' });
    expect((await searchAll('unrelated')).map((h) => h.id)).toEqual([created.id]);
    expect(await searchAll('unrelated or pricing', b.accessToken)).toEqual(
      await reference(b.tenantId, 'unrelated or pricing'),
    );

    // A hard delete (as purge and tenant erasure do) drops the postings too.
    await t.db.query(`DELETE FROM blocks WHERE id = $1`, [created.id]);
    expect(await searchAll('unrelated')).toEqual([]);
    await expectPostingsInStep();
  });

  it('ranks a block past the last tsvector position from its vector, exactly', async () => {
    // 17 000 words: the terms at the end share position 16383, where scores stop adding up.
    const long = await createBlock(t.http, a.accessToken, {
      title: 'Appendix',
      content: `${'word '.repeat(17_000)} pricing support pricing support`,
    });
    const { rows } = await t.db.query(`SELECT 1 FROM block_postings_long WHERE block_id = $1`, [
      long.id,
    ]);
    expect(rows).toHaveLength(1);
    const hits = await searchAll('pricing or support');
    expect(hits.map((h) => h.id)).toContain(long.id);
    expect(hits).toEqual(await reference(a.tenantId, 'pricing or support'));
    await expectPostingsInStep();
  });

  it('keeps the postings in step after bulk creates', async () => {
    const res = await t.http.post(
      '/api/blocks/bulk',
      {
        operations: Array.from({ length: 20 }, (_, i) => ({
          op: 'create',
          data: { title: `Bulk pricing ${i}`, content: 'support '.repeat(i) },
        })),
      },
      { token: a.accessToken },
    );
    expect(res.status).toBeLessThan(300);
    expect(await searchAll('pricing or support')).toEqual(
      await reference(a.tenantId, 'pricing or support'),
    );
    await expectPostingsInStep();
  });
});
