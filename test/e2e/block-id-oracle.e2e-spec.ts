import { randomUUID } from 'node:crypto';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const NDJSON = { 'content-type': 'application/x-ndjson' };

/** What a caller sees of an answer: status, code, and the body with fresh ids blanked. */
function shape(res: { status: number; body: unknown }): unknown {
  return {
    status: res.status,
    body: JSON.parse(
      JSON.stringify(res.body).replace(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
        '<id>',
      ),
    ),
  };
}

describe("another tenant's block id is indistinguishable from a free one", () => {
  let t: TestApp;
  let me: RegisteredUser;
  let foreignId: string;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    me = await registerUser(t.http);
    const other = await registerUser(t.http);
    foreignId = (await createBlock(t.http, other.accessToken, { title: 'Theirs' })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const count = async (tenantId: string): Promise<number> =>
    (await t.db.query(`SELECT count(*)::int AS n FROM blocks WHERE tenant_id = $1`, [tenantId]))
      .rows[0].n;

  it('bulk create answers the same for a foreign id and a free id, and stores nothing', async () => {
    const before = await count(me.tenantId);
    const bulk = (id: string) =>
      t.http.post(
        '/api/blocks/bulk',
        { operations: [{ op: 'create', id, data: { title: 'probe' } }] },
        { token: me.accessToken },
      );
    const foreign = await bulk(foreignId);
    const free = await bulk(randomUUID());
    expect(foreign.status).toBe(400);
    expect(shape(foreign)).toEqual(shape(free));
    expect(await count(me.tenantId)).toBe(before);
    const theirs = await t.db.query(`SELECT title FROM blocks WHERE id = $1`, [foreignId]);
    expect(theirs.rows).toEqual([{ title: 'Theirs' }]);
  });

  it('import answers the same for a foreign id and a free id, and never touches the foreign block', async () => {
    const importLine = (id: string) =>
      t.http.post('/api/blocks/import', undefined, {
        token: me.accessToken,
        rawBody: JSON.stringify({ id, title: 'probe' }) + '\n',
        headers: NDJSON,
      });
    const foreign = await importLine(foreignId);
    const free = await importLine(randomUUID());
    expect(foreign.status).toBe(200);
    expect(foreign.body).toMatchObject({ created: 1, updated: 0, failed: [] });
    expect(shape(foreign)).toEqual(shape(free));
    const theirs = await t.db.query(`SELECT title, tenant_id FROM blocks WHERE id = $1`, [
      foreignId,
    ]);
    expect(theirs.rows).toEqual([{ title: 'Theirs', tenant_id: expect.any(String) }]);
    expect(theirs.rows[0].tenant_id).not.toBe(me.tenantId);
  });
});
