import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const include = (id: string, version?: number) =>
  `{% include_block "${id}"${version ? ` version: ${version}` : ''} %}`;

describe('documents: include cycles, depth, where-used', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => ({ token: user.accessToken });
  const md = (content: string) =>
    createBlock(t.http, alice.accessToken, { type: 'markdown', content });
  const doc = (nodes: unknown[]) =>
    t.http.post('/api/documents', { title: 'Refs', nodes }, as(alice));

  beforeAll(async () => {
    t = await startTestApp({ env: BLOCKS_TEST_ENV });
    alice = await registerUser(t.http);
    bob = await registerUser(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses an include cycle on save with its path', async () => {
    const a = await md('A');
    const b = await md(`B\n${include(a.id)}`);
    await t.http.patch(`/api/blocks/${a.id}`, { content: `A\n${include(b.id)}` }, as(alice));
    const res = await doc([{ kind: 'block', blockId: a.id, pin: 'latest' }]);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ reason: 'REFERENCE_CYCLE', path: [a.id, b.id, a.id] });
  });

  it('finds a cycle made later through follow-latest at assembly; the document stays readable', async () => {
    const a = await md('A');
    const b = await md(`B\n${include(a.id)}`);
    const created = await doc([
      { kind: 'block', blockId: a.id, pin: 'latest' },
      { kind: 'block', blockId: b.id, pin: 'latest' },
    ]);
    expect(created.status).toBe(201);
    await t.http.patch(`/api/blocks/${a.id}`, { content: `A\n${include(b.id)}` }, as(alice));
    const assembled = await t.http.post(
      `/api/documents/${created.body.id}/assemble`,
      {},
      as(alice),
    );
    expect(assembled.status).toBe(422);
    expect(assembled.body).toMatchObject({ reason: 'REFERENCE_CYCLE', path: [a.id, b.id, a.id] });
    const read = await t.http.get(`/api/documents/${created.body.id}`, as(alice));
    expect(read.status).toBe(200);
    // A pinned include of the old version has no cycle: pins are baselines.
    const pinned = await doc([{ kind: 'block', blockId: a.id, pin: 1 }]);
    expect(pinned.status).toBe(201);
  });

  it('allows includes 16 deep and refuses 17', async () => {
    const chain = [await md('leaf')];
    for (let i = 0; i < 17; i++) chain.unshift(await md(`level\n${include(chain[0].id)}`));
    // chain[0] includes chain[1] ... chain[17]: 17 levels of includes below chain[0].
    const tooDeep = await doc([{ kind: 'block', blockId: chain[0].id, pin: 'latest' }]);
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body).toMatchObject({
      reason: 'INCLUDE_TOO_DEEP',
      limit: 'maxIncludeDepth',
      max: 16,
    });
    const deepest = await doc([{ kind: 'block', blockId: chain[1].id, pin: 'latest' }]);
    expect(deepest.status).toBe(201);
    const assembled = await t.http.post(
      `/api/documents/${deepest.body.id}/assemble`,
      {},
      as(alice),
    );
    expect(assembled.status).toBe(201);
    expect(assembled.body.manifest).toHaveLength(17);
    expect(assembled.body.markdown.endsWith('leaf\n')).toBe(true);
  });

  it('treats an include of another tenant’s block as missing, never reading it', async () => {
    const secret = await createBlock(t.http, bob.accessToken, { content: 'Bob secret' });
    const host = await md(`Host\n${include(secret.id)}`);
    const created = await doc([{ kind: 'block', blockId: host.id, pin: 'latest' }]);
    expect(created.status).toBe(201);
    expect(created.body.references[1]).toMatchObject({
      blockId: secret.id,
      missing: true,
      resolvedVersion: null,
    });
    const assembled = await t.http.post(
      `/api/documents/${created.body.id}/assemble`,
      {},
      as(alice),
    );
    expect(assembled.status).toBe(422);
    expect(assembled.body).toMatchObject({ reason: 'MISSING_REFERENCE', blockIds: [secret.id] });
    const omitted = await t.http.post(
      `/api/documents/${created.body.id}/assemble`,
      { onMissing: 'omit' },
      as(alice),
    );
    expect(omitted.body.markdown).toBe('Host\n');
  });

  it('answers where a block is used: direct and through includes, pinned and live', async () => {
    const x = await md('X v1');
    const y = await md(`Y\n${include(x.id, 1)}`);
    const direct = await doc([{ kind: 'block', blockId: x.id, pin: 'latest' }]);
    const through = await doc([{ kind: 'block', blockId: y.id, pin: 'latest' }]);
    const tpl = await t.http.post(
      '/api/templates',
      { name: 'Uses X', nodes: [{ kind: 'block', blockId: x.id, pin: 1 }] },
      as(alice),
    );
    expect(tpl.status).toBe(201);
    await t.http.patch(`/api/blocks/${x.id}`, { content: 'X v2' }, as(alice));

    const res = await t.http.get(`/api/blocks/${x.id}/usages`, as(alice));
    expect(res.status).toBe(200);
    expect(res.body.documents).toEqual(
      expect.arrayContaining([
        {
          id: direct.body.id,
          title: 'Refs',
          pin: 'latest',
          stale: false,
          direct: true,
          path: [x.id],
        },
        {
          id: through.body.id,
          title: 'Refs',
          pin: 1,
          stale: true,
          direct: false,
          path: [y.id, x.id],
        },
      ]),
    );
    expect(res.body.documents).toHaveLength(2);
    expect(res.body.templates).toEqual([
      { id: tpl.body.id, name: 'Uses X', pin: 1, stale: true, direct: true, path: [x.id] },
    ]);
    expect(res.body.blocks).toEqual([
      { id: y.id, title: y.title, pin: 1, stale: true, direct: true, path: [y.id, x.id] },
    ]);
    expect(res.body.summary).toEqual({ pinned: 3, live: 1 });

    expect((await t.http.get(`/api/blocks/${x.id}/usages`, as(bob))).status).toBe(404);
  });
});
