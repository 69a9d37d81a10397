import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

describe('blocks: lexical similar blocks on a small tenant', () => {
  let t: TestApp;
  let a: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    a = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds the blocks sharing words even when those words are in most of its few blocks', async () => {
    // Four blocks: "pump" and "impeller" are in three of them, more than half of the tenant.
    const token = a.accessToken;
    const seal = await createBlock(t.http, token, {
      title: 'Pump impeller seal',
      content: 'Replace the seal of the pump impeller.',
    });
    const bearing = await createBlock(t.http, token, {
      title: 'Pump impeller bearing',
      content: 'Grease the bearing of the pump impeller.',
    });
    const housing = await createBlock(t.http, token, {
      title: 'Pump housing',
      content: 'Clean the impeller housing.',
    });
    const roses = await createBlock(t.http, token, {
      title: 'Garden roses',
      content: 'Prune the roses in spring.',
    });
    const res = await t.http.get(`/api/blocks/${seal.id}/similar?limit=5`, { token });
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('lexical');
    const ids = res.body.items.map((i: { id: string }) => i.id);
    expect(ids.slice(0, 2)).toEqual([bearing.id, housing.id]);
    expect(ids).not.toContain(roses.id);
    expect(ids).not.toContain(seal.id);
  });
});
