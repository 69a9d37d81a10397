import { VECTOR_SEARCH, type VectorSearch } from '@app/common';
import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { EmbeddingStandIn } from '../support/embedding-stand-in';
import { parsePrometheus, sum } from '../support/prometheus';
import { waitFor } from '../support/spawn-api';
import { createTestDatabase } from '../support/test-database';
import { startTestApp, type TestApp } from '../support/test-app';

const DIMENSIONS = 256;

function providerEnv(standIn: EmbeddingStandIn, model: string): Record<string, string> {
  return {
    ...BLOCKS_TEST_ENV,
    EMBEDDINGS_PROVIDER: 'openai',
    EMBEDDINGS_URL: standIn.url,
    EMBEDDINGS_MODEL: model,
    EMBEDDINGS_DIMENSIONS: String(DIMENSIONS),
    EMBEDDINGS_API_KEY: 'sk-stand-in-secret-0123456789',
    EMBEDDINGS_POLL_INTERVAL_MS: '100',
    EMBEDDINGS_TIMEOUT_MS: '2000',
    EMBEDDINGS_RETRIES: '1',
  };
}

const COOKING = [
  'Simmer the tomato sauce with garlic and basil',
  'Bake the bread dough in a hot oven',
  'Roast the chicken with lemon and garlic',
];
const NETWORKING = [
  'The router firewall blocks inbound traffic',
  'DNS resolves the server name to an address',
  'The switch forwards packets between ports',
];

describe('embeddings through an OpenAI-compatible provider (a stand-in)', () => {
  const standIn = new EmbeddingStandIn(DIMENSIONS);
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let t: TestApp;
  let a: RegisteredUser;
  let b: RegisteredUser;
  const ids: Record<string, string> = {};

  const status = async (user: RegisteredUser) =>
    (await t.http.get('/api/ml/status', { token: user.accessToken })).body.embeddings;
  const vectors = () => t.app.get<VectorSearch>(VECTOR_SEARCH);
  const settled = (user: RegisteredUser, what: string) =>
    waitFor(
      async () => {
        const s = await status(user);
        return s.backlog === 0 && s.blocksEmbedded === s.blocksTotal;
      },
      15_000,
      what,
    );

  beforeAll(async () => {
    await standIn.start();
    database = await createTestDatabase();
    t = await startTestApp({ databaseUrl: database.url, env: providerEnv(standIn, 'bow-a') });
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    for (const [i, content] of [...COOKING, ...NETWORKING].entries()) {
      const block = await createBlock(t.http, a.accessToken, { title: `a${i}`, content });
      ids[`a${i}`] = block.id;
    }
    ids.b0 = (await createBlock(t.http, b.accessToken, { title: 'b0', content: COOKING[0] })).id;
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await standIn.stop();
  });

  it('embeds new blocks in the background and reports coverage per tenant', async () => {
    await settled(a, "tenant a's blocks embedded");
    expect(await status(a)).toEqual({
      provider: 'openai',
      model: 'bow-a',
      dimensions: DIMENSIONS,
      blocksEmbedded: 6,
      blocksTotal: 6,
      backlog: 0,
    });
    await settled(b, "tenant b's block embedded");
    expect((await status(b)).blocksEmbedded).toBe(1);
    // The key reaches the provider as a bearer token and never a log line.
    expect(standIn.requests.at(-1)!.authorization).toBe('Bearer sk-stand-in-secret-0123456789');
    expect(JSON.stringify(t.logs)).not.toContain('sk-stand-in-secret');
    expect(vectors().configured).toBe(true);
    expect(vectors().model).toBe(`bow-a@${DIMENSIONS}`);
  });

  it("finds a tenant's nearest blocks to a text and to a block, never another tenant's", async () => {
    const hits = await vectors().nearestToText(a.tenantId, 'garlic tomato sauce', 3);
    expect(hits[0].id).toBe(ids.a0);
    expect(hits.map((h) => h.id)).not.toContain(ids.b0);
    expect(hits[0].score).toBeGreaterThan(hits[2].score);

    const near = await vectors().nearestToBlock(a.tenantId, ids.a0, 10);
    expect(near!.map((h) => h.id)).not.toContain(ids.a0);
    expect(near!.map((h) => h.id)).not.toContain(ids.b0);
    expect(near).toHaveLength(5);
    expect(near![0].id).toBe(ids.a2); // shares "garlic" and "with"

    const theirs = await vectors().nearestToText(b.tenantId, 'garlic tomato sauce', 10);
    expect(theirs.map((h) => h.id)).toEqual([ids.b0]);
    // Another tenant's block is unknown to this tenant: no vector, so null (callers fall back).
    expect(await vectors().nearestToBlock(b.tenantId, ids.a0, 5)).toBeNull();
  });

  it('re-embeds a block whose content changed, and only that block', async () => {
    const before = standIn.requests.length;
    const res = await t.http.patch(
      `/api/blocks/${ids.a4}`,
      { content: 'Knead the pizza dough and bake it' },
      { token: a.accessToken },
    );
    expect(res.status).toBe(200);
    await waitFor(
      async () => {
        const [hit] = await vectors().nearestToText(a.tenantId, 'pizza dough knead', 1);
        return hit?.id === ids.a4;
      },
      15_000,
      'the changed block re-embedded',
    );
    await settled(a, 'backlog drained');
    const sent = standIn.requests.slice(before).flatMap((r) => r.input);
    // Block texts are `title\ncontent`; the rest are the queries of this test.
    expect(sent.filter((text) => text.includes('\n'))).toEqual([
      'a4\nKnead the pizza dough and bake it',
    ]);
    // Tags are not embedded: changing them sends nothing.
    const count = standIn.requests.length;
    await t.http.patch(`/api/blocks/${ids.a5}`, { tags: ['net'] }, { token: a.accessToken });
    await new Promise((r) => setTimeout(r, 500));
    expect(standIn.requests.length).toBe(count);
  });

  it('leaves deleted blocks out of results, and restoring needs no new vector', async () => {
    expect((await t.http.delete(`/api/blocks/${ids.a2}`, { token: a.accessToken })).status).toBe(
      204,
    );
    const near = await vectors().nearestToBlock(a.tenantId, ids.a0, 10);
    expect(near!.map((h) => h.id)).not.toContain(ids.a2);
    await settled(a, 'delete settled');
    expect((await status(a)).blocksTotal).toBe(5);
    const count = standIn.requests.length;
    const restored = await t.http.post(`/api/blocks/${ids.a2}/restore`, undefined, {
      token: a.accessToken,
    });
    expect(restored.status).toBe(200);
    await settled(a, 'restore settled');
    expect(standIn.requests.length).toBe(count);
  });

  it('answers POST /api/ml/embeddings with unit vectors, and caps its input', async () => {
    const post = (body: unknown) =>
      t.http.post('/api/ml/embeddings', body, { token: a.accessToken });
    const res = await post({ texts: ['garlic bread', 'garlic bread', 'dns server'] });
    expect(res.status).toBe(200);
    expect(res.body.model).toBe('bow-a');
    expect(res.body.dimensions).toBe(DIMENSIONS);
    const [x, y, z] = res.body.vectors as number[][];
    const dot = (p: number[], q: number[]) => p.reduce((s, v, i) => s + v * q[i], 0);
    expect(x).toHaveLength(DIMENSIONS);
    expect(dot(x, x)).toBeCloseTo(1, 5);
    expect(dot(x, y)).toBeCloseTo(1, 5);
    expect(dot(x, z)).toBeLessThan(0.5);
    const before = standIn.requests.length;
    for (const body of [
      { texts: Array.from({ length: 65 }, () => 'x') },
      { texts: ['x'.repeat(100_001)] },
      { texts: [] },
      { texts: [42] },
      { texts: ['x'], model: 'other' },
    ]) {
      const refused = await post(body);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(standIn.requests.length).toBe(before);
  });

  it('keeps answering while the provider is down, and catches up when it is back', async () => {
    standIn.failWith = 503;
    try {
      const block = await createBlock(t.http, a.accessToken, {
        title: 'a6',
        content: 'Subnet masks split an address range',
      });
      ids.a6 = block.id;
      await waitFor(async () => (await status(a)).backlog === 1, 5_000, 'backlog of one');
      const read = await t.http.get(`/api/blocks/${block.id}`, { token: a.accessToken });
      expect(read.status).toBe(200);
      const res = await t.http.post(
        '/api/ml/embeddings',
        { texts: ['hello'] },
        { token: a.accessToken },
      );
      expect(res.status).toBe(503);
      expect(res.body.reason).toBe('EMBEDDINGS_PROVIDER_FAILED');
      expect(res.headers.get('retry-after')).toBe('5');
      // Vectors already made still answer queries that need no provider.
      expect(await vectors().nearestToBlock(a.tenantId, ids.a0, 3)).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 500));
      expect((await status(a)).backlog).toBe(1);
      const metrics = parsePrometheus((await t.http.get('/metrics')).text);
      expect(sum(metrics, 'embeddings_backlog')).toBe(1);
      const coverage = sum(metrics, 'embeddings_coverage_ratio');
      expect(coverage).toBeGreaterThan(0);
      expect(coverage).toBeLessThan(1);
      expect(
        sum(metrics, 'embeddings_provider_errors_total', { caller: 'poller', kind: 'http_5xx' }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      standIn.failWith = undefined;
    }
    await settled(a, 'backlog drained after the provider came back');
    const metrics = parsePrometheus((await t.http.get('/metrics')).text);
    expect(sum(metrics, 'embeddings_blocks_embedded_total')).toBeGreaterThanOrEqual(8);
    expect(
      sum(metrics, 'embeddings_provider_request_duration_seconds_count', { caller: 'poller' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sum(metrics, 'ml_model_status', { model: 'embeddings' })).toBe(1);
    expect(sum(metrics, 'embeddings_coverage_ratio')).toBe(1);
  });

  it('never mixes models: after a model change old vectors are not used until re-embedded', async () => {
    await t.close();
    standIn.failWith = 503;
    t = await startTestApp({ databaseUrl: database.url, env: providerEnv(standIn, 'bow-b') });
    try {
      const s = await status(a);
      expect(s).toMatchObject({ model: 'bow-b', blocksEmbedded: 0, blocksTotal: 7, backlog: 7 });
      expect(await vectors().nearestToBlock(a.tenantId, ids.a0, 3)).toBeNull();
      const { rows } = await t.db.query<{ model: string; n: number }>(
        `SELECT model, count(*)::int AS n FROM block_embeddings WHERE tenant_id = $1 GROUP BY model`,
        [a.tenantId],
      );
      expect(rows).toEqual([{ model: 'bow-a', n: 7 }]);
    } finally {
      standIn.failWith = undefined;
    }
    await settled(a, 're-embedded with the new model');
    const near = await vectors().nearestToText(a.tenantId, 'garlic tomato sauce', 1);
    expect(near[0].id).toBe(ids.a0);
    expect(standIn.requests.at(-1)!.model).toBe('bow-b');
  });
});

describe('embeddings: the exact scan without pgvector is capped per tenant', () => {
  const standIn = new EmbeddingStandIn(DIMENSIONS);
  let t: TestApp;
  let a: RegisteredUser;
  let b: RegisteredUser;

  beforeAll(async () => {
    await standIn.start();
    t = await startTestApp({
      env: { ...providerEnv(standIn, 'bow-a'), EMBEDDINGS_SCAN_MAX_VECTORS: '2' },
    });
    [a, b] = [await registerUser(t.http), await registerUser(t.http)];
    for (const content of COOKING) await createBlock(t.http, a.accessToken, { content });
    await createBlock(t.http, b.accessToken, { content: COOKING[0] });
    await waitFor(
      async () =>
        (await t.http.get('/api/ml/status', { token: a.accessToken })).body.embeddings
          .blocksEmbedded === 3,
      15_000,
      'three blocks embedded',
    );
    // Tenant B's block is embedded on its own schedule: the test needs it too.
    await waitFor(
      async () =>
        (await t.http.get('/api/ml/status', { token: b.accessToken })).body.embeddings
          .blocksEmbedded === 1,
      15_000,
      "tenant B's block embedded",
    );
  });
  afterAll(async () => {
    await t?.close();
    await standIn.stop();
  });

  it('refuses a tenant over the cap with a 422 problem, and still serves a tenant under it', async () => {
    const search = t.app.get<VectorSearch>(VECTOR_SEARCH);
    const error = await search.nearestToText(a.tenantId, 'garlic', 5).then(
      () => undefined,
      (e: unknown) => e as { status: number; reason: string },
    );
    expect(error).toMatchObject({ status: 422, reason: 'VECTOR_SCAN_TOO_LARGE' });
    expect(await search.nearestToText(b.tenantId, 'garlic', 5)).toHaveLength(1);
    // The refused scan gave its connection and its slot back: the next query works.
    const status = await t.http.get('/api/ml/status', { token: a.accessToken });
    expect(status.status).toBe(200);
  });
});
