import { BlockSearchRepository, LIST_SCAN } from '../../libs/blocks/src/block-search.repository';
import { BlockSort } from '../../libs/blocks/src/dto/block-type';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** The search repository's SQL against the real database. */
describe('BlockSearchRepository', () => {
  let t: TestApp;
  let repo: BlockSearchRepository;
  let a: RegisteredUser;
  let b: RegisteredUser;
  let oldMatch: string;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    repo = t.app.get(BlockSearchRepository);
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    // More recent rows than one index scan reads, and the only "narwhal" the oldest of all.
    await t.db.query(
      `INSERT INTO blocks (id, tenant_id, title, content, updated_at)
       SELECT gen_random_uuid(), $1, 'Row ' || g, 'Common words ' || g, now() - make_interval(secs => g)
         FROM generate_series(1, $2::int) g`,
      [a.tenantId, LIST_SCAN + 500],
    );
    oldMatch = (
      await t.db.query<{ id: string }>(
        `INSERT INTO blocks (id, tenant_id, title, content, updated_at)
         VALUES (gen_random_uuid(), $1, 'Narwhal', 'A narwhal tusk', now() - interval '3 years')
         RETURNING id`,
        [a.tenantId],
      )
    ).rows[0].id;
    await t.db.query(
      `INSERT INTO blocks (id, tenant_id, title, content) VALUES (gen_random_uuid(), $1, 'Narwhal', 'b')`,
      [b.tenantId],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const base = { limit: 21, sort: BlockSort.UPDATED_AT_DESC };

  it('lists a rare full-text match beyond the rows one index scan reads, in its tenant only', async () => {
    const rows = await repo.list({ ...base, tenantId: a.tenantId, q: 'narwhal' });
    expect(rows.map((r) => r.id)).toEqual([oldMatch]);
  });

  it('lists a broad full-text match from the newest rows, in order, with keyset paging', async () => {
    const first = await repo.list({ ...base, limit: 3, tenantId: a.tenantId, q: 'common' });
    expect(first.map((r) => r.title)).toEqual(['Row 1', 'Row 2', 'Row 3']);
    const next = await repo.list({
      ...base,
      limit: 2,
      tenantId: a.tenantId,
      q: 'common',
      after: { key: first[2].updated_at.toISOString(), id: first[2].id },
    });
    expect(next.map((r) => r.title)).toEqual(['Row 4', 'Row 5']);
  });

  it('ranks exactly and pages by score and id', async () => {
    const hits = await repo.withTimeout(5000, (db) =>
      repo.search(db, { tenantId: a.tenantId, q: 'common or narwhal', limit: 2 }),
    );
    expect(hits[0].id).toBe(oldMatch);
    const after = await repo.withTimeout(5000, (db) =>
      repo.search(db, {
        tenantId: a.tenantId,
        q: 'common or narwhal',
        limit: 1,
        after: { score: String(hits[1].score), id: hits[1].id },
      }),
    );
    expect(after).toHaveLength(1);
    expect([hits[0].id, hits[1].id]).not.toContain(after[0].id);
    expect(Number(after[0].score)).toBeLessThanOrEqual(Number(hits[1].score));
  });
});
