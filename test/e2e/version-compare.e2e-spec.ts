import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** Needs `npm run build`: the diff runs on a worker thread, which loads the compiled module. */
describe('version compare: diffed on a worker, bounded in size', () => {
  let t: TestApp;
  let user: RegisteredUser;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...BLOCKS_TEST_ENV, BLOCKS_DIFF_MAX_BYTES: '65536' } });
    user = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  async function twoVersions(first: string, second: string): Promise<string> {
    const block = await createBlock(t.http, user.accessToken, { content: first });
    const res = await t.http.patch(
      `/api/blocks/${block.id}`,
      { content: second },
      { token: user.accessToken },
    );
    expect(res.status).toBe(200);
    return block.id as string;
  }

  it('answers a unified diff of the content and the other changes', async () => {
    const id = await twoVersions('alpha\nbeta\ngamma\n', 'alpha\nBETA\ngamma\n');
    const res = await t.http.get(`/api/blocks/${id}/versions/compare?from=1&to=2`, {
      token: user.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: 1, to: 2 });
    expect(res.body.changes.content).toBe(
      '--- v1\n+++ v2\n@@ -1,3 +1,3 @@\n alpha\n-beta\n+BETA\n gamma\n',
    );
  });

  it('answers a compare of a version over BLOCKS_DIFF_MAX_BYTES with a 422 DIFF_TOO_LARGE', async () => {
    const big = 'x'.repeat(65_000) + 'é'.repeat(600); // 66 200 bytes, 65 600 characters
    const id = await twoVersions('small\n', big);
    const res = await t.http.get(`/api/blocks/${id}/versions/compare?from=1&to=2`, {
      token: user.accessToken,
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ reason: 'DIFF_TOO_LARGE' });
    expect(res.body.detail).toContain('65536 bytes (BLOCKS_DIFF_MAX_BYTES)');
    // Equal large contents need no diff at all.
    const same = await t.http.get(`/api/blocks/${id}/versions/compare?from=2&to=2`, {
      token: user.accessToken,
    });
    expect(same.status).toBe(200);
    expect(same.body.changes.content).toBe('');
  });
});
