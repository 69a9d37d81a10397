import {
  BlockSimilarRepository,
  tsqueryLexeme,
} from '../../libs/blocks/src/block-similar.repository';
import { BlockSearchRepository } from '../../libs/blocks/src/block-search.repository';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** The lexical similar-blocks SQL against the real database. */
describe('BlockSimilarRepository', () => {
  let t: TestApp;
  let repo: BlockSimilarRepository;
  let search: BlockSearchRepository;
  let a: RegisteredUser;
  let b: RegisteredUser;
  let narwhal: string;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    repo = t.app.get(BlockSimilarRepository);
    search = t.app.get(BlockSearchRepository);
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    await t.db.query(
      `INSERT INTO blocks (id, tenant_id, title, content, updated_at)
       SELECT gen_random_uuid(), $1, 'Row ' || g, 'Common words ' || g, now() - make_interval(secs => g)
         FROM generate_series(1, 200) g`,
      [a.tenantId],
    );
    narwhal = (
      await t.db.query<{ id: string }>(
        `INSERT INTO blocks (id, tenant_id, title, content, updated_at)
         VALUES (gen_random_uuid(), $1, 'Narwhal', 'A narwhal tusk', now() - interval '3 years')
         RETURNING id`,
        [a.tenantId],
      )
    ).rows[0].id;
    await t.db.query(
      `INSERT INTO blocks (id, tenant_id, title, content) VALUES (gen_random_uuid(), $1, 'Common', 'common')`,
      [b.tenantId],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('takes stored lexemes with quotes and backslashes as literal tsquery operands', async () => {
    expect(tsqueryLexeme("it's\\")).toBe("'it''s\\\\'");
    const rows = await search.withTimeout(5000, (db) =>
      repo.moreLikeThis(
        db,
        a.tenantId,
        narwhal,
        [
          { lexeme: "it's", idf: 1 },
          { lexeme: 'back\\slash', idf: 1 },
          { lexeme: 'common', idf: 2 },
        ],
        3,
        100,
      ),
    );
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.id)).not.toContain(narwhal);
  });

  it('counts document frequencies on a bounded sample of the newest blocks of its tenant', async () => {
    const counts = await search.withTimeout(5000, (db) =>
      repo.sampleFrequencies(db, a.tenantId, 100, 10),
    );
    expect(counts.find((c) => c.lexeme === 'common')).toEqual({ lexeme: 'common', count: 100 });
    expect(counts.find((c) => c.lexeme === 'narwhal')).toBeUndefined();
  });
});
