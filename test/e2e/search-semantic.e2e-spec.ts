import { registerUser, type RegisteredUser } from '../support/auth-fixtures';
import { BLOCKS_TEST_ENV, createBlock } from '../support/block-fixtures';
import { EmbeddingStandIn } from '../support/embedding-stand-in';
import { waitFor } from '../support/spawn-api';
import { startTestApp, type TestApp } from '../support/test-app';

// Wide enough that the stand-in's hashed words below do not collide.
const DIMENSIONS = 1024;

/*
 * The stand-in's vectors are bags of words, so against the query "alpha beta gamma" the cosine
 * falls with the words shared: full (3), near (2), far (1), none (0). Every title is "note".
 */
const TEXTS = {
  full: 'alpha beta gamma',
  near: 'alpha beta delta',
  far: 'alpha epsilon zeta',
  none: 'omega psi chi',
};
type Name = keyof typeof TEXTS;

async function seed(t: TestApp, user: RegisteredUser): Promise<Record<Name, string>> {
  const ids = {} as Record<Name, string>;
  for (const [name, content] of Object.entries(TEXTS) as Array<[Name, string]>) {
    ids[name] = (await createBlock(t.http, user.accessToken, { title: 'note', content })).id;
  }
  return ids;
}

describe('search over HTTP with an embedding provider (a stand-in)', () => {
  const standIn = new EmbeddingStandIn(DIMENSIONS);
  let t: TestApp;
  let a: RegisteredUser;
  let ids: Record<Name, string>;
  const search = (mode: string) =>
    t.http.get(`/api/blocks/search?q=${encodeURIComponent('alpha beta gamma')}&mode=${mode}`, {
      token: a.accessToken,
    });

  beforeAll(async () => {
    await standIn.start();
    t = await startTestApp({
      env: {
        ...BLOCKS_TEST_ENV,
        EMBEDDINGS_PROVIDER: 'openai',
        EMBEDDINGS_URL: standIn.url,
        EMBEDDINGS_MODEL: 'bow-search',
        EMBEDDINGS_DIMENSIONS: String(DIMENSIONS),
        EMBEDDINGS_API_KEY: 'sk-stand-in-0123456789',
        EMBEDDINGS_POLL_INTERVAL_MS: '100',
      },
    });
    a = await registerUser(t.http);
    ids = await seed(t, a);
    await waitFor(
      async () => {
        const s = (await t.http.get('/api/ml/status', { token: a.accessToken })).body.embeddings;
        return s.backlog === 0 && s.blocksEmbedded === 4 && s.blocksTotal === 4;
      },
      15_000,
      'every block embedded',
    );
  });
  afterAll(async () => {
    await t?.close();
    await standIn.stop();
  });

  it('ranks mode=semantic by the vectors: more shared words first', async () => {
    const res = await search('semantic');
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('semantic');
    const order = (res.body.items as Array<{ id: string }>).map((i) => i.id);
    expect(order.slice(0, 3)).toEqual([ids.full, ids.near, ids.far]);
  });

  it('fuses full text and vectors in mode=hybrid, the block best in both first', async () => {
    const res = await search('hybrid');
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('hybrid');
    const order = (res.body.items as Array<{ id: string }>).map((i) => i.id);
    expect(order[0]).toBe(ids.full);
    expect(order.indexOf(ids.near)).toBeGreaterThan(0);
    expect(order.indexOf(ids.near)).toBeLessThan(order.indexOf(ids.far));
  });

  it('answers /similar by embedding when the block has a vector', async () => {
    const res = await t.http.get(`/api/blocks/${ids.full}/similar`, { token: a.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('embedding');
    const order = (res.body.items as Array<{ id: string }>).map((i) => i.id);
    expect(order).not.toContain(ids.full);
    expect(order.slice(0, 2)).toEqual([ids.near, ids.far]);
  });
});

describe('search over HTTP without an embedding provider', () => {
  let t: TestApp;
  let a: RegisteredUser;
  let ids: Record<Name, string>;

  beforeAll(async () => {
    t = await startTestApp({ env: { ...BLOCKS_TEST_ENV, EMBEDDINGS_PROVIDER: 'none' } });
    a = await registerUser(t.http);
    ids = await seed(t, a);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses mode=semantic with a 503 problem, and hybrid falls back to full text', async () => {
    const semantic = await t.http.get('/api/blocks/search?q=alpha&mode=semantic', {
      token: a.accessToken,
    });
    expect(semantic.status).toBe(503);
    expect(semantic.headers.get('content-type')).toContain('application/problem+json');
    expect(semantic.body.reason).toBe('EMBEDDINGS_NOT_CONFIGURED');
    const hybrid = await t.http.get('/api/blocks/search?q=gamma&mode=hybrid', {
      token: a.accessToken,
    });
    expect(hybrid.status).toBe(200);
    expect(hybrid.body.method).toBe('fulltext');
    expect((hybrid.body.items as Array<{ id: string }>).map((i) => i.id)).toEqual([ids.full]);
  });

  it('answers /similar lexically', async () => {
    const res = await t.http.get(`/api/blocks/${ids.full}/similar`, { token: a.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('lexical');
  });
});
